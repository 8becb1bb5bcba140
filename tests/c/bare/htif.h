/* The bare-metal runtime's interface (crt0.S, htif.c): console output and
 * exit through HTIF, and the few memory functions GCC may call even in a
 * freestanding program. */
#ifndef BARE_HTIF_H
#define BARE_HTIF_H

#include <stddef.h>
#include <stdint.h>

/* Ends the run with this exit code (through tohost); never returns. */
void htif_exit(long code) __attribute__((noreturn));

/* One byte to the host's console (HTIF device 1, command 1). */
void htif_putchar(char c);

/* A string, without adding a newline. */
void htif_puts(const char *s);

/* v in decimal. */
void htif_put_dec(uint64_t v);

/* v in hexadecimal with "0x" and exactly `digits` digits. */
void htif_put_hex(uint64_t v, int digits);

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif

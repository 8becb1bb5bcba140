/* Console output over HTIF, as Spike's front-end server, QEMU's spike
 * machine and rvsim all implement it: the command
 * device 1 << 56 | command 1 << 48 | byte goes into tohost, and the host
 * takes it by clearing tohost. Spike only looks at tohost every few
 * thousand instructions and does not answer a console write in fromhost
 * (QEMU and rvsim do), so each byte waits, as riscv-pk's does, until
 * tohost is clear: before writing, so as not to overwrite the previous
 * command, and after, so that a byte is out before the exit command
 * follows it. Plus memset and friends, which GCC may call. */
#include "htif.h"

extern volatile uint64_t tohost;
extern volatile uint64_t fromhost;

void htif_putchar(char c) {
    while (tohost != 0)
        ;
    tohost = (1ull << 56) | (1ull << 48) | (uint8_t)c;
    while (tohost != 0)
        ;
    fromhost = 0;
}

void htif_puts(const char *s) {
    while (*s)
        htif_putchar(*s++);
}

void htif_put_dec(uint64_t v) {
    char digits[21];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        htif_putchar(digits[--n]);
}

void htif_put_hex(uint64_t v, int digits) {
    htif_puts("0x");
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
        htif_putchar("0123456789abcdef"[(v >> shift) & 0xf]);
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n > 0; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

/* A CoreMark-style CPU benchmark for bare metal (crt0.S, htif.c): the
 * integer kernels of tests/c/coremark.c (linked-list processing,
 * small-matrix arithmetic, a state machine scanning a text of numbers, all
 * folded into CRC-16s), plus a table-driven CRC-32 of the text, for
 * ITERATIONS iterations fixed at compile time (-DITERATIONS=N, default
 * 10). No floating point, no libc: it builds for rv64imac.
 *
 * It checks itself and returns 0 only when everything held:
 * - the kernels' own invariants (lists sorted, matrix and text restored
 *   after every iteration), as coremark.c checks them;
 * - the CRC-32 code against its standard check value (0xcbf43926 for
 *   "123456789"), and the table-driven CRC-32 of the final text against a
 *   bit-at-a-time computation of it;
 * - known answers: the checksum after iterations 1, 10 and 100 (those
 *   the run reaches) against constants. Every iteration's seed comes from
 *   the previous one's results, so these cover all the kernels. The
 *   constants were found by running this program once under
 *   qemu-system-riscv64 -machine spike (QEMU 7.2), and agree with a
 *   native x86-64 build of the same kernels.
 *
 * It prints one line with the CRCs and "checksum 0x........", which
 * scripts/engines-vs-spike.sh compares between emulators, and returns 1
 * when a check failed. */
#include <stddef.h>
#include <stdint.h>

#include "htif.h"

#ifndef ITERATIONS
#define ITERATIONS 10
#endif

#define LIST_NODES 1024 /* records in the list */
#define LIST_FINDS 24   /* look-ups (each followed by a reversal) per iteration */
#define MAT_N 40        /* the matrices are MAT_N x MAT_N */
#define TEXT_BYTES 16384 /* the state machine's text */

/* Known answers: the checksum after iterations 1, 10 and 100. */
#define EXPECT_AFTER_1 0x31f3e185u
#define EXPECT_AFTER_10 0xe5728adcu
#define EXPECT_AFTER_100 0x6041bc88u

/* Seeds, read through volatile so that nothing is computed at compile
 * time. */
static volatile uint32_t seed_data = 0x2545f491u;
static volatile uint16_t seed_run = 0x66u;

static int checks_ok = 1;

static void check(int condition, const char *what) {
    if (!condition) {
        if (checks_ok) {
            htif_puts("check failed: ");
            htif_puts(what);
            htif_putchar('\n');
        }
        checks_ok = 0;
    }
}

#include "../coremark_kernels.h"

/* ---- (d) CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320) ---- */

static uint32_t crc32_table[256];

static void crc32_build(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int bit = 0; bit < 8; bit++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        crc32_table[i] = c;
    }
}

/* Table-driven, a byte at a time. */
static uint32_t crc32_fast(const char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = crc32_table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

/* Bit at a time: the independent computation crc32_fast is checked
 * against. */
static uint32_t crc32_slow(const char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint8_t)p[i];
        for (int bit = 0; bit < 8; bit++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* The text's CRC-32, and again with every byte rotated by the seed (the
 * text is left as it was). */
static uint32_t crc32_kernel(uint16_t seed, uint32_t crc) {
    crc ^= crc32_fast(text, TEXT_BYTES);
    unsigned rotate = 1 + seed % 7;
    for (size_t i = 0; i < TEXT_BYTES; i++) {
        uint8_t b = (uint8_t)text[i];
        text[i] = (char)(uint8_t)((b << rotate) | (b >> (8 - rotate)));
    }
    crc = (crc << 5 | crc >> 27) ^ crc32_fast(text, TEXT_BYTES);
    for (size_t i = 0; i < TEXT_BYTES; i++) {
        uint8_t b = (uint8_t)text[i];
        text[i] = (char)(uint8_t)((b >> rotate) | (b << (8 - rotate)));
    }
    return crc;
}

/* ---- the run ---- */

/* The run's result in 32 bits: the running CRC-16 over every kernel's,
 * and the CRC-32 kernel's result folded to 16 bits. */
static uint32_t checksum_of(uint16_t crc_final, uint32_t crc_text) {
    return ((uint32_t)crc_final << 16) | ((crc_text ^ (crc_text >> 16)) & 0xffff);
}

/* Compares the checksum after iteration `done` with its known answer, for
 * the iterations that have one. */
static void known_answer(long done, uint32_t checksum) {
    long at[] = {1, 10, 100};
    uint32_t expected[] = {EXPECT_AFTER_1, EXPECT_AFTER_10, EXPECT_AFTER_100};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        if (done == at[i] && checksum != expected[i]) {
            htif_puts("known answer: after ");
            htif_put_dec((uint64_t)done);
            htif_puts(" iterations the checksum is ");
            htif_put_hex(checksum, 8);
            htif_puts(", expected ");
            htif_put_hex(expected[i], 8);
            htif_putchar('\n');
            checks_ok = 0;
        }
    }
}

int main(void) {
    crc32_build();
    check(crc32_fast("123456789", 9) == 0xcbf43926u, "crc32 check value (table)");
    check(crc32_slow("123456789", 9) == 0xcbf43926u, "crc32 check value (bitwise)");

    uint32_t rng = seed_data;
    struct node *list = list_build(&rng);
    matrix_build(&rng);
    text_build(&rng);
    uint16_t matrix_before = matrix_crc16(0xffff);
    uint16_t text_before = crc16_bytes(0xffff, text, TEXT_BYTES);

    uint16_t crc_list = 0xffff, crc_matrix = 0xffff, crc_state = 0xffff;
    uint16_t crc_final = 0xffff, seed = seed_run;
    uint32_t crc_text = 0;
    for (long it = 0; it < ITERATIONS; it++) {
        crc_list = list_kernel(&list, seed, crc_list);
        crc_matrix = matrix_kernel(seed, crc_matrix);
        crc_state = state_kernel(seed, crc_state);
        crc_text = crc32_kernel(seed, crc_text);
        crc_final = crc16_u16(crc_final, crc_list);
        crc_final = crc16_u16(crc_final, crc_matrix);
        crc_final = crc16_u16(crc_final, crc_state);
        crc_final = crc16_u32(crc_final, crc_text);
        known_answer(it + 1, checksum_of(crc_final, crc_text));
        /* The next iteration's seed depends on this one's results. */
        seed = (uint16_t)(crc_final ^ (uint16_t)(it * 0x3c5u));
    }
    check(matrix_crc16(0xffff) == matrix_before, "matrix restored");
    check(crc16_bytes(0xffff, text, TEXT_BYTES) == text_before, "text restored");
    check(crc32_fast(text, TEXT_BYTES) == crc32_slow(text, TEXT_BYTES), "crc32 table against bitwise");

    htif_puts("bench: ");
    htif_put_dec(ITERATIONS);
    htif_puts(" iterations: list ");
    htif_put_hex(crc_list, 4);
    htif_puts(" matrix ");
    htif_put_hex(crc_matrix, 4);
    htif_puts(" state ");
    htif_put_hex(crc_state, 4);
    htif_puts(" text ");
    htif_put_hex(crc_text, 8);
    htif_puts(", checksum ");
    htif_put_hex(checksum_of(crc_final, crc_text), 8);
    htif_puts(checks_ok ? ", checks ok\n" : ", checks FAILED\n");
    return checks_ok ? 0 : 1;
}

/* A CoreMark-style benchmark, written for rvsim from CoreMark's published
 * description (not from its source): three integer kernels, linked-list
 * processing, small-matrix arithmetic and a state machine scanning a text
 * of numbers, plus a little double-precision work, each folding its
 * results into a CRC-16 (CCITT) every iteration.
 *
 * usage: coremark [ITERATIONS]   (default 10)
 *
 * The output is deterministic and the same on any host: fixed seeds, no
 * time, no addresses, fixed-width integers, no signed overflow, and the
 * floating point uses fma() where it multiplies and adds, so that no
 * compiler contraction can change a result. The CRCs are compared with
 * what Linux (qemu-user) computes; "checks: ok" says the kernels' own
 * invariants held (sorted lists, data restored after each iteration). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ITERATIONS 10
#define MAX_ITERATIONS 1000000L

#define LIST_NODES 1024 /* records in the list */
#define LIST_FINDS 24   /* look-ups (each followed by a reversal) per iteration */
#define MAT_N 40        /* the matrices are MAT_N x MAT_N */
#define TEXT_BYTES 16384 /* the state machine's text */
#define FP_POINTS 1024  /* polynomial evaluations per iteration */

/* Seeds, read through volatile so that nothing is computed at compile
 * time. */
static volatile uint32_t seed_data = 0x2545f491u;
static volatile uint16_t seed_run = 0x66u;

static int checks_ok = 1;

static void check(int condition, const char *what) {
    if (!condition) {
        if (checks_ok)
            printf("check failed: %s\n", what);
        checks_ok = 0;
    }
}

#include "coremark_kernels.h"

/* ---- double precision ---- */

static const double poly[] = {
    1.0, -0.5, 0.375, -0.3125, 0.2734375, -0.24609375, 0.2255859375, -0.20947265625, 0.196380615234375,
};
#define POLY_DEGREE ((int)(sizeof poly / sizeof poly[0]) - 1)

static uint16_t fp_kernel(uint16_t seed, uint16_t crc) {
    double acc = 0.0, worst = 0.0;
    for (int k = 0; k < FP_POINTS; k++) {
        double x = (double)(k + 1) / FP_POINTS + (double)seed / 65536.0;
        double p = poly[POLY_DEGREE];
        for (int d = POLY_DEGREE - 1; d >= 0; d--)
            p = fma(p, x, poly[d]);
        double y = sqrt(fabs(p) + 1.0 + x);
        /* Newton's method for 1/y, from a rough start. */
        double r = 1.0 / (y + 0.125);
        for (int n = 0; n < 4; n++)
            r = r * fma(-y, r, 2.0);
        double error = fabs(fma(y, r, -1.0));
        if (error > worst)
            worst = error;
        acc = fma(y, r * p, acc);
    }
    uint64_t bits;
    memcpy(&bits, &acc, sizeof bits);
    crc = crc16_u32(crc, (uint32_t)bits);
    crc = crc16_u32(crc, (uint32_t)(bits >> 32));
    memcpy(&bits, &worst, sizeof bits);
    crc = crc16_u32(crc, (uint32_t)(bits >> 32));
    return crc16_u32(crc, (uint32_t)(int32_t)(acc * 1024.0));
}

/* ---- the run ---- */

int main(int argc, char **argv) {
    long iterations = DEFAULT_ITERATIONS;
    if (argc > 2) {
        fprintf(stderr, "usage: coremark [ITERATIONS]\n");
        return 2;
    }
    if (argc == 2) {
        char *end;
        iterations = strtol(argv[1], &end, 10);
        if (*argv[1] == '\0' || *end != '\0' || iterations < 1 || iterations > MAX_ITERATIONS) {
            fprintf(stderr, "coremark: ITERATIONS must be 1 to %ld, not %s\n", MAX_ITERATIONS, argv[1]);
            return 2;
        }
    }

    uint32_t rng = seed_data;
    struct node *list = list_build(&rng);
    matrix_build(&rng);
    text_build(&rng);
    uint16_t matrix_before = matrix_crc16(0xffff);
    uint16_t text_before = crc16_bytes(0xffff, text, TEXT_BYTES);

    uint16_t crc_list = 0xffff, crc_matrix = 0xffff, crc_state = 0xffff, crc_fp = 0xffff;
    uint16_t crc_final = 0xffff, seed = seed_run;
    for (long it = 0; it < iterations; it++) {
        crc_list = list_kernel(&list, seed, crc_list);
        crc_matrix = matrix_kernel(seed, crc_matrix);
        crc_state = state_kernel(seed, crc_state);
        crc_fp = fp_kernel(seed, crc_fp);
        crc_final = crc16_u16(crc_final, crc_list);
        crc_final = crc16_u16(crc_final, crc_matrix);
        crc_final = crc16_u16(crc_final, crc_state);
        crc_final = crc16_u16(crc_final, crc_fp);
        /* The next iteration's seed depends on this one's results. */
        seed = (uint16_t)(crc_final ^ (uint16_t)(it * 0x3c5u));
    }
    check(matrix_crc16(0xffff) == matrix_before, "matrix restored");
    check(crc16_bytes(0xffff, text, TEXT_BYTES) == text_before, "text restored");

    printf("coremark-style: %ld iterations\n", iterations);
    printf("sizes: list %d records, matrix %dx%d, text %d bytes, fp %d points\n", LIST_NODES, MAT_N, MAT_N,
           TEXT_BYTES, FP_POINTS);
    printf("list crc: 0x%04x\n", crc_list);
    printf("matrix crc: 0x%04x\n", crc_matrix);
    printf("state crc: 0x%04x\n", crc_state);
    printf("fp crc: 0x%04x\n", crc_fp);
    printf("final crc: 0x%04x\n", crc_final);
    printf("checks: %s\n", checks_ok ? "ok" : "FAILED");
    return checks_ok ? 0 : 1;
}

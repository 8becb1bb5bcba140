/* A pthreads program written for one Linux machine, run unchanged over a
 * cluster under threads=spread: main fills an array on the heap, NTHREADS
 * threads each sum a slice of it into their own slot and add to a shared
 * total under a mutex, pass a barrier, check one another's slots, and
 * are joined. Each thread also counts the ones in a buffer it mallocs
 * itself (glibc's per-thread arena: mmap and mprotect from the thread).
 * Only main prints, and nothing that differs between runs.
 *
 * With ROUNDS, each thread goes over its slice that many times (the r-th
 * time adding each word r times): more work per page fetched.
 *
 * Usage: spreadsum THREADS WORDS [ROUNDS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 128

static uint64_t *data;
static long words, nthreads, rounds;
static uint64_t slot[MAX_THREADS];
static uint64_t total;
static long agreed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;

static void *work(void *arg) {
    long me = (long)arg;
    long from = words * me / nthreads, to = words * (me + 1) / nthreads;
    uint64_t sum = 0;
    for (long r = 1; r <= rounds; r++)
        for (long i = from; i < to; i++)
            sum += data[i] * r;
    /* A buffer of its own, from its own arena. */
    unsigned char *own = malloc(20000);
    memset(own, 1, 20000);
    long ones = 0;
    for (int i = 0; i < 20000; i++)
        ones += own[i];
    free(own);
    slot[me] = sum;
    pthread_mutex_lock(&lock);
    total += sum;
    pthread_mutex_unlock(&lock);
    pthread_barrier_wait(&barrier);
    /* Every slot is visible to every thread after the barrier. */
    uint64_t seen = 0;
    for (long t = 0; t < nthreads; t++)
        seen += slot[t];
    pthread_mutex_lock(&lock);
    agreed += seen == total;
    pthread_mutex_unlock(&lock);
    return (void *)ones;
}

int main(int argc, char **argv) {
    nthreads = argc > 1 ? atol(argv[1]) : 4;
    words = argc > 2 ? atol(argv[2]) : 100000;
    rounds = argc > 3 ? atol(argv[3]) : 1;
    if (nthreads < 1 || nthreads > MAX_THREADS || words < nthreads || rounds < 1) {
        fprintf(stderr, "usage: spreadsum THREADS(1-%d) WORDS [ROUNDS]\n", MAX_THREADS);
        return 2;
    }
    data = malloc(words * sizeof *data);
    uint64_t expected = 0;
    for (long i = 0; i < words; i++) {
        data[i] = (uint64_t)i * 2654435761u % 1000003;
        expected += data[i];
    }
    expected *= (uint64_t)rounds * (rounds + 1) / 2;
    pthread_barrier_init(&barrier, NULL, nthreads);
    pthread_t threads[MAX_THREADS];
    for (long t = 0; t < nthreads; t++)
        if (pthread_create(&threads[t], NULL, work, (void *)t) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    long ones = 0;
    for (long t = 0; t < nthreads; t++) {
        void *r;
        pthread_join(threads[t], &r);
        ones += (long)r;
    }
    printf("threads %ld, words %ld, rounds %ld\n", nthreads, words, rounds);
    printf("total %llu, expected %llu: %s\n", (unsigned long long)total, (unsigned long long)expected,
           total == expected ? "exact" : "WRONG");
    printf("threads that saw every slot: %ld of %ld\n", agreed, nthreads);
    printf("ones counted in private buffers: %ld\n", ones);
    return total == expected && agreed == nthreads ? 0 : 1;
}

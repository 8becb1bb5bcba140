/* Processes that share a System V segment by key, as one would write them
 * for one Linux machine: started N times at once (on Linux, N processes;
 * under `rvsim cluster --nodes N`, one per node), each takes a rank, then
 * all count into the segment under a spin lock on atomics and under a
 * futex mutex, meeting at a futex barrier between the phases. The totals
 * must be exact.
 *
 *     shmkey PROCESSES KEY ROUNDS
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The segment: everything the processes share. */
struct shared {
    atomic_uint joined;            /* ranks handed out */
    atomic_uint arrived;           /* the barrier's count */
    atomic_uint generation;        /* the barrier's round, its futex */
    atomic_flag spin;              /* the spin lock */
    atomic_uint mutex;             /* 0 free, 1 taken, 2 taken with waiters */
    unsigned long spin_count;      /* counted under the spin lock */
    unsigned long mutex_count;     /* counted under the mutex */
    atomic_ulong atomic_count;     /* counted with atomic adds */
};

static long futex(atomic_uint *word, int op, unsigned val) {
    return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Waits until `parties` processes have arrived in this round. */
static void barrier(struct shared *s, unsigned parties) {
    unsigned round = atomic_load(&s->generation);
    if (atomic_fetch_add(&s->arrived, 1) + 1 == parties) {
        atomic_store(&s->arrived, 0);
        atomic_fetch_add(&s->generation, 1);
        futex(&s->generation, FUTEX_WAKE, INT_MAX);
        return;
    }
    while (atomic_load(&s->generation) == round)
        futex(&s->generation, FUTEX_WAIT, round);
}

/* Drepper's mutex ("Futexes Are Tricky", mutex 2). */
static void lock(atomic_uint *m) {
    unsigned seen = 0;
    if (atomic_compare_exchange_strong(m, &seen, 1))
        return;
    if (seen != 2)
        seen = atomic_exchange(m, 2);
    while (seen != 0) {
        futex(m, FUTEX_WAIT, 2);
        seen = atomic_exchange(m, 2);
    }
}

static void unlock(atomic_uint *m) {
    if (atomic_fetch_sub(m, 1) != 1) {
        atomic_store(m, 0);
        futex(m, FUTEX_WAKE, 1);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: shmkey PROCESSES KEY ROUNDS\n");
        return 2;
    }
    unsigned processes = strtoul(argv[1], NULL, 0);
    key_t key = (key_t)strtol(argv[2], NULL, 0);
    unsigned long rounds = strtoul(argv[3], NULL, 0);
    int id = shmget(key, sizeof(struct shared), IPC_CREAT | 0600);
    struct shared *s = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
    if (s == (void *)-1) {
        perror("shmkey: shared memory");
        return 1;
    }
    unsigned rank = atomic_fetch_add(&s->joined, 1);
    barrier(s, processes);
    for (unsigned long i = 0; i < rounds; i++) {
        while (atomic_flag_test_and_set(&s->spin))
            ;
        s->spin_count++;
        atomic_flag_clear(&s->spin);
    }
    barrier(s, processes);
    for (unsigned long i = 0; i < rounds; i++) {
        lock(&s->mutex);
        s->mutex_count++;
        unlock(&s->mutex);
        atomic_fetch_add(&s->atomic_count, 1);
    }
    barrier(s, processes);
    unsigned long expected = processes * rounds;
    int ok = s->spin_count == expected && s->mutex_count == expected && atomic_load(&s->atomic_count) == expected;
    printf("shmkey: process %u of %u: spin lock %lu, futex mutex %lu, atomic adds %lu, expected %lu: %s\n", rank,
           processes, s->spin_count, s->mutex_count, (unsigned long)atomic_load(&s->atomic_count), expected,
           ok ? "exact" : "WRONG");
    barrier(s, processes);
    if (rank == 0)
        shmctl(id, IPC_RMID, NULL);
    shmdt(s);
    return ok ? 0 : 1;
}

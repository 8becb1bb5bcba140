/* Processes that meet: System V shared memory, futexes between processes
 * on a MAP_SHARED page (wait, wake, timeouts on either clock, bitsets,
 * requeue and their errors), the clocks, and pointers the kernel must
 * refuse with EFAULT; then the arguments. Children print nothing: they
 * report through shared memory and their exit status, and the parent
 * prints. No address, pid or time is printed, only what Linux fixes.
 * With the one argument "linux-only" it prints instead the answers where
 * qemu-user differs from Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
/* A fixed key ("rsim") for the IPC_EXCL test; removed at the end. */
#define KEY 0x7273696d
#define BAD ((void *)8)

/* What a call that returns -1 and sets errno gave: "ok" or the errno's
 * name. */
static const char *err(long r) {
    return r == -1 ? strerrorname_np(errno) : "ok";
}

/* A result: the number, or the errno's name. */
static void show(const char *what, long r) {
    if (r == -1)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
}

static long futex(void *uaddr, int op, unsigned val, const struct timespec *timeout, void *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* FUTEX_REQUEUE's and FUTEX_CMP_REQUEUE's fourth argument is a count. */
static long requeue(void *uaddr, int op, unsigned wake, unsigned moved, void *uaddr2, unsigned val3) {
    return syscall(SYS_futex, uaddr, op, wake, (long)moved, uaddr2, val3);
}

/* How a child ended. */
static void reaped(const char *who, pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid)
        printf("%s: waitpid: %s\n", who, strerrorname_np(errno));
    else if (WIFEXITED(status))
        printf("%s: exited %d\n", who, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", who, WTERMSIG(status));
    else
        printf("%s: status %#x\n", who, status);
}

static pid_t fork_flushed(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    return pid;
}

static long ms_between(const struct timespec *a, const struct timespec *b) {
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static struct timespec in_ms(clockid_t clock, long ms) {
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_nsec += ms * 1000000;
    t.tv_sec += t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    return t;
}

/* ---- System V shared memory ---- */

static void sysv_shm(void) {
    int id = shmget(IPC_PRIVATE, 3 * PAGE, IPC_CREAT | 0600);
    printf("shmget(IPC_PRIVATE, 3 pages): %s\n", err(id));
    int *counter = shmat(id, NULL, 0);
    printf("shmat: %s, page-aligned %d, zero-filled %d\n", counter == (void *)-1 ? strerrorname_np(errno) : "ok",
           (uintptr_t)counter % PAGE == 0, counter[0] == 0 && counter[3 * PAGE / 4 - 1] == 0);
    struct shmid_ds ds;
    shmctl(id, IPC_STAT, &ds);
    printf("IPC_STAT: shm_segsz %lu, shm_nattch %lu\n", (unsigned long)ds.shm_segsz, (unsigned long)ds.shm_nattch);
    pid_t pid = fork_flushed();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++)
            __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
        _exit(shmdt(counter) == 0 ? 0 : 1);
    }
    for (int i = 0; i < 1000; i++)
        __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
    reaped("the child that counted and detached", pid);
    printf("counter after both: %d\n", __atomic_load_n(counter, __ATOMIC_SEQ_CST));
    shmctl(id, IPC_STAT, &ds);
    printf("IPC_STAT after the child: shm_segsz %lu, shm_nattch %lu, cpid is ours %d, lpid was the child %d\n",
           (unsigned long)ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_cpid == getpid(), ds.shm_lpid == pid);
    printf("IPC_RMID while attached: %s\n", err(shmctl(id, IPC_RMID, NULL)));
    long r = shmctl(id, IPC_STAT, &ds);
    printf("IPC_STAT after IPC_RMID: %s, key %d, SHM_DEST %d, shm_nattch %lu\n", err(r), (int)ds.shm_perm.__key,
           (ds.shm_perm.mode & SHM_DEST) != 0, (unsigned long)ds.shm_nattch);
    printf("the memory still works: %d\n", ++counter[1]);
    printf("shmdt: %s\n", err(shmdt(counter)));
    printf("shmdt again: %s\n", err(shmdt(counter)));
    void *p = shmat(id, NULL, 0);
    printf("shmat of the removed id: %s\n", p == (void *)-1 ? strerrorname_np(errno) : "ok");
    printf("IPC_STAT of the removed id: %s\n", err(shmctl(id, IPC_STAT, &ds)));

    /* A key: a stale segment of an earlier, killed run goes first. */
    int stale = shmget(KEY, 0, 0);
    if (stale != -1)
        shmctl(stale, IPC_RMID, NULL);
    int keyed = shmget(KEY, PAGE, IPC_CREAT | IPC_EXCL | 0600);
    printf("shmget(key, IPC_CREAT|IPC_EXCL): %s\n", err(keyed));
    printf("shmget(key, IPC_CREAT|IPC_EXCL) again: %s\n", err(shmget(KEY, PAGE, IPC_CREAT | IPC_EXCL | 0600)));
    printf("shmget(key, 0, 0) finds it: %d\n", shmget(KEY, 0, 0) == keyed);
    printf("shmget(key, larger): %s\n", err(shmget(KEY, 2 * PAGE, 0)));
    printf("IPC_RMID: %s\n", err(shmctl(keyed, IPC_RMID, NULL)));
    printf("shmget(key, 0, 0) after: %s\n", err(shmget(KEY, 0, 0)));
}

/* ---- futexes between processes ---- */

struct shared {
    unsigned word, a, b;
    int ready;  /* children about to wait */
    int woken;  /* children past their wait */
    int who[4]; /* which child woke, in order */
};

static struct shared *sh;

/* Waits until `n` children are about to wait, then a while longer, so
 * that they are asleep. */
static void until_asleep(int n) {
    while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < n)
        usleep(1000);
    usleep(100000);
}

/* A child: waits on `uaddr` (while it holds 0) with `bitset` (0: plain
 * FUTEX_WAIT), then notes that `me` woke; exits with 0 or the errno. */
static pid_t waiter(unsigned *uaddr, unsigned bitset, int me) {
    pid_t pid = fork_flushed();
    if (pid == 0) {
        __atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
        long r = bitset ? futex(uaddr, FUTEX_WAIT_BITSET, 0, NULL, NULL, bitset) : futex(uaddr, FUTEX_WAIT, 0, NULL, NULL, 0);
        int slot = __atomic_fetch_add(&sh->woken, 1, __ATOMIC_SEQ_CST);
        if (slot < 4)
            sh->who[slot] = me;
        _exit(r == 0 ? 0 : errno);
    }
    return pid;
}

static void reset(void) {
    memset(sh, 0, sizeof *sh);
}

static void futex_errors_and_timeouts(void) {
    show("FUTEX_WAIT(word 0, expected 1)", futex(&sh->word, FUTEX_WAIT, 1, NULL, NULL, 0));
    show("FUTEX_WAIT_PRIVATE(word 0, expected 1)", futex(&sh->word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));
    show("FUTEX_WAKE with no one waiting", futex(&sh->word, FUTEX_WAKE, 1, NULL, NULL, 0));

    struct timespec before, after, fifty = {0, 50000000};
    clock_gettime(CLOCK_MONOTONIC, &before);
    long r = futex(&sh->word, FUTEX_WAIT, 0, &fifty, NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &after);
    printf("FUTEX_WAIT(50 ms): %s, waited at least 50 ms %d\n", err(r), ms_between(&before, &after) >= 50);

    struct timespec deadline = in_ms(CLOCK_MONOTONIC, 50);
    r = futex(&sh->word, FUTEX_WAIT_BITSET, 0, &deadline, NULL, FUTEX_BITSET_MATCH_ANY);
    clock_gettime(CLOCK_MONOTONIC, &after);
    printf("FUTEX_WAIT_BITSET(CLOCK_MONOTONIC deadline): %s, the deadline passed %d\n", err(r),
           after.tv_sec > deadline.tv_sec || (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec));

    deadline = in_ms(CLOCK_REALTIME, 50);
    r = futex(&sh->word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &deadline, NULL, FUTEX_BITSET_MATCH_ANY);
    clock_gettime(CLOCK_REALTIME, &after);
    printf("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME(CLOCK_REALTIME deadline): %s, the deadline passed %d\n", err(r),
           after.tv_sec > deadline.tv_sec || (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec));

    struct timespec past = {0, 0};
    show("FUTEX_WAIT_BITSET(deadline at 0)", futex(&sh->word, FUTEX_WAIT_BITSET, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY));
    struct timespec bad_ns = {0, 1000000000};
    show("FUTEX_WAIT(tv_nsec 1e9)", futex(&sh->word, FUTEX_WAIT, 0, &bad_ns, NULL, 0));
    show("FUTEX_WAIT(timeout at a bad address)", futex(&sh->word, FUTEX_WAIT, 0, BAD, NULL, 0));
    show("FUTEX_WAIT|FUTEX_CLOCK_REALTIME(50 ms)", futex(&sh->word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &fifty, NULL, 0));
    show("FUTEX_WAKE|FUTEX_CLOCK_REALTIME", futex(&sh->word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));

    show("FUTEX_WAIT_BITSET(bitset 0)", futex(&sh->word, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0));
    show("FUTEX_WAKE_BITSET(bitset 0)", futex(&sh->word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    show("unknown op 99", futex(&sh->word, 99, 0, NULL, NULL, 0));
    show("FUTEX_WAIT(misaligned)", futex((char *)&sh->word + 1, FUTEX_WAIT, 0, NULL, NULL, 0));
    show("FUTEX_WAKE(misaligned)", futex((char *)&sh->word + 1, FUTEX_WAKE, 1, NULL, NULL, 0));
    show("FUTEX_WAIT(bad address)", futex(BAD, FUTEX_WAIT, 0, NULL, NULL, 0));
    show("FUTEX_WAIT_PRIVATE(bad address)", futex(BAD, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    show("FUTEX_WAKE(bad address)", futex(BAD, FUTEX_WAKE, 1, NULL, NULL, 0));
    show("FUTEX_WAKE_PRIVATE(bad address)", futex(BAD, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    show("FUTEX_CMP_REQUEUE(to a bad address)", requeue(&sh->a, FUTEX_CMP_REQUEUE, 1, 1, BAD, 0));
    show("FUTEX_CMP_REQUEUE(to a misaligned address)", requeue(&sh->a, FUTEX_CMP_REQUEUE, 1, 1, (char *)&sh->b + 2, 0));
    show("FUTEX_CMP_REQUEUE(wake -1)", requeue(&sh->a, FUTEX_CMP_REQUEUE, -1, 1, &sh->b, 0));
}

static void futex_wait_and_wake(void) {
    reset();
    pid_t pid = waiter(&sh->word, 0, 1);
    while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < 1)
        usleep(1000);
    long woke;
    int tries = 0;
    while ((woke = futex(&sh->word, FUTEX_WAKE, 1, NULL, NULL, 0)) == 0 && tries++ < 3000)
        usleep(1000);
    show("FUTEX_WAKE of a child asleep in FUTEX_WAIT", woke);
    reaped("the child", pid);
    printf("it woke: %d\n", sh->woken);
}

static void futex_bitsets(void) {
    reset();
    pid_t one = waiter(&sh->word, 1, 1);
    pid_t two = waiter(&sh->word, 2, 2);
    until_asleep(2);
    show("FUTEX_WAKE_BITSET(bitset 4)", futex(&sh->word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 4));
    show("FUTEX_WAKE_BITSET(bitset 2)", futex(&sh->word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 2));
    reaped("the child with bitset 2", two);
    printf("the child that woke: bitset %d\n", sh->who[0]);
    show("FUTEX_WAKE_BITSET(bitset 1)", futex(&sh->word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 1));
    reaped("the child with bitset 1", one);
    printf("then: bitset %d; woken %d\n", sh->who[1], sh->woken);

    /* FUTEX_WAKE wakes waiters of any bitset. */
    reset();
    one = waiter(&sh->word, 1, 1);
    two = waiter(&sh->word, 0x80000000u, 2);
    until_asleep(2);
    show("FUTEX_WAKE of bitset waiters", futex(&sh->word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    reaped("the child with bitset 1", one);
    reaped("the child with bitset 0x80000000", two);
}

static void futex_requeue(void) {
    reset();
    pid_t pids[3];
    for (int i = 0; i < 3; i++)
        pids[i] = waiter(&sh->a, 0, i + 1);
    until_asleep(3);
    show("FUTEX_CMP_REQUEUE(wrong val3)", requeue(&sh->a, FUTEX_CMP_REQUEUE, 1, 2, &sh->b, 7));
    show("FUTEX_CMP_REQUEUE(A, wake 1, requeue 2, B, val3 = A)",
         requeue(&sh->a, FUTEX_CMP_REQUEUE, 1, 2, &sh->b, __atomic_load_n(&sh->a, __ATOMIC_SEQ_CST)));
    while (__atomic_load_n(&sh->woken, __ATOMIC_SEQ_CST) < 1)
        usleep(1000);
    usleep(50000);
    printf("woken so far: %d\n", __atomic_load_n(&sh->woken, __ATOMIC_SEQ_CST));
    show("FUTEX_WAKE(A)", futex(&sh->a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    show("FUTEX_WAKE(B)", futex(&sh->b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        reaped("a child of A", pids[i]);

    /* FUTEX_REQUEUE: no compare. */
    reset();
    for (int i = 0; i < 3; i++)
        pids[i] = waiter(&sh->a, 0, i + 1);
    until_asleep(3);
    show("FUTEX_REQUEUE(A, wake 1, requeue 1, B)", requeue(&sh->a, FUTEX_REQUEUE, 1, 1, &sh->b, 0));
    while (__atomic_load_n(&sh->woken, __ATOMIC_SEQ_CST) < 1)
        usleep(1000);
    usleep(50000);
    show("FUTEX_WAKE(B)", futex(&sh->b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    show("FUTEX_WAKE(A)", futex(&sh->a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        reaped("a child of A", pids[i]);
    printf("woken: %d\n", sh->woken);
}

/* ---- clocks ---- */

static void clocks(void) {
    struct timespec prev, now;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    int backwards = 0;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec < prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec))
            backwards++;
        prev = now;
    }
    printf("CLOCK_MONOTONIC over 1000 reads: went back %d time(s)\n", backwards);
    struct timespec twenty = {0, 20000000}, before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    long r = nanosleep(&twenty, NULL);
    clock_gettime(CLOCK_MONOTONIC, &after);
    printf("nanosleep(20 ms): %s, CLOCK_MONOTONIC advanced at least 20 ms %d\n", err(r), ms_between(&before, &after) >= 20);
    struct timespec res = {-1, -1};
    r = clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(CLOCK_MONOTONIC): %s, positive and below a second %d\n", err(r),
           res.tv_sec == 0 && res.tv_nsec > 0);
    printf("clock_gettime(clock 99): %s\n", err(syscall(SYS_clock_gettime, 99, &now)));
    printf("clock_gettime(bad pointer): %s\n", err(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD)));
    printf("clock_getres(clock 99): %s\n", err(syscall(SYS_clock_getres, 99, &res)));
}

/* ---- pointers the kernel refuses ---- */

static void bad_pointers(void) {
    printf("write(1, bad): %s\n", err(syscall(SYS_write, 1, BAD, 5)));
    int fds[2];
    pipe(fds);
    write(fds[1], "hello", 5);
    printf("read(pipe with data, bad): %s\n", err(syscall(SYS_read, fds[0], BAD, 5)));
    /* Linux leaves the bytes in the pipe. With the write end closed, a
     * reader that lost them sees the end (0) rather than waiting forever. */
    close(fds[1]);
    char buf[8] = {0};
    long n = read(fds[0], buf, sizeof buf);
    printf("the data is still there: %ld \"%s\"\n", n, buf);
    close(fds[0]);
    printf("open(bad path): %s\n", err(open((char *)BAD, O_RDONLY)));
    printf("stat(\"/\", bad buffer): %s\n", err(stat("/", BAD)));
    printf("uname(bad): %s\n", err(syscall(SYS_uname, BAD)));
    printf("getrandom(bad): %s\n", err(syscall(SYS_getrandom, BAD, 16, 0)));
}

/* Where qemu-user is not Linux (checked against this program built for
 * x86-64 on a real kernel): qemu 7.2's clock_getres ignores a failed copy
 * of the result. */
static void linux_only(void) {
    printf("clock_getres(bad pointer): %s\n", err(syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD)));
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "linux-only") == 0) {
        linux_only();
        return 0;
    }
    sysv_shm();
    sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    futex_errors_and_timeouts();
    futex_wait_and_wake();
    futex_bitsets();
    futex_requeue();
    clocks();
    bad_pointers();
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}

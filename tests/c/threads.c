/* Threads through glibc's pthreads, as Linux runs them (clone with
 * CLONE_THREAD and CLONE_SETTLS, the thread-id words and futexes, tgkill):
 * create and join with results, a mutex-protected counter, condition
 * variables, barriers, thread-local storage (__thread and pthread keys
 * with destructors), getpid and gettid, detached threads, many threads in
 * turn (more than the kernel's process table holds at once), pthread_exit
 * (from a thread, and from main while a thread goes on), exit and a fault
 * in one thread ending the whole process, memory one thread maps or
 * protects seen by another, malloc in many threads at once (glibc's
 * per-thread arenas), signals and threads (raise, pthread_kill, a mask per
 * thread, a process-wide signal taken by the thread that does not block
 * it), fork from a thread, semaphores, pthread_once, and pthread_cancel
 * (glibc's SIGCANCEL, signal 32, sent with tgkill) of threads blocked in
 * pthread_cond_wait, sleep and read, of a thread that had cancellation
 * disabled, and of one spinning with asynchronous cancellation.
 *
 * Its output must be the same under Linux (qemu-riscv64) and rvsim: no
 * addresses, ids or times are printed, only counts and whether they
 * match. Only the main thread prints, but for a forked child's last
 * words; stdout is flushed before every fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 8

/* ---------------------------------------------------------------- helpers */

static const char *errname(int e) {
    switch (e) {
    case 0: return "0";
    case EINTR: return "EINTR";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    case EDEADLK: return "EDEADLK";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOTSUP: return "ENOTSUP";
    case ENOSYS: return "ENOSYS";
    default: return "E?";
    }
}

static const char *signame(int s) {
    switch (s) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGALRM: return "SIGALRM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    default: return "a signal";
    }
}

/* A pthread call's result must be 0. */
static void must(int rc, const char *what) {
    if (rc != 0) {
        printf("%s: %s (%d)\n", what, errname(rc), rc);
        exit(1);
    }
}

static pid_t gettid_raw(void) {
    return (pid_t)syscall(SYS_gettid);
}

static pthread_t spawn(void *(*fn)(void *), intptr_t arg) {
    pthread_t t;
    must(pthread_create(&t, NULL, fn, (void *)arg), "pthread_create");
    return t;
}

static intptr_t join(pthread_t t) {
    void *r;
    must(pthread_join(t, &r), "pthread_join");
    return (intptr_t)r;
}

/* fork with stdout flushed first, so that nothing is printed twice. */
static pid_t fork_flushed(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    return pid;
}

/* "exited with N" or "killed by SIGNAME" for a child, waited for. */
static void report_child(const char *what, pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        printf("%s: waitpid failed: %s\n", what, errname(errno));
        return;
    }
    if (WIFEXITED(status))
        printf("%s: exited with %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by %s\n", what, signame(WTERMSIG(status)));
    else
        printf("%s: status %#x\n", what, status);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ------------------------------------------------------ create and join */

static sem_t hold;

static void *square(void *arg) {
    intptr_t i = (intptr_t)arg;
    return (void *)(i * i);
}

static void *held(void *arg) {
    sem_wait(&hold);
    return arg;
}

static void create_and_join(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(square, i);
    printf("create/join: results");
    for (int i = 0; i < NTHREADS; i++)
        printf(" %ld", (long)join(t[i]));
    printf("\n");

    sem_init(&hold, 0, 0);
    pthread_t h = spawn(held, 77);
    int busy = pthread_tryjoin_np(h, NULL);
    sem_post(&hold);
    long r = (long)join(h);
    printf("tryjoin of a running thread: %s; join after it went on: %ld\n", errname(busy), r);
    printf("join of itself: %s\n", errname(pthread_join(pthread_self(), NULL)));
    sem_destroy(&hold);
}

/* --------------------------------------------------------------- mutexes */

#define INCREMENTS 20000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static pthread_mutex_t checked_lock;

static void *try_from_another(void *arg) {
    (void)arg;
    int trylock = pthread_mutex_trylock(&counter_lock);
    int unlock = pthread_mutex_unlock(&checked_lock);
    return (void *)(intptr_t)(trylock * 1000 + unlock);
}

static void mutexes(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(count_up, 0);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    printf("mutex: %d threads x %d increments = %ld\n", NTHREADS, INCREMENTS, counter);

    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&checked_lock, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_lock(&counter_lock);
    pthread_mutex_lock(&checked_lock);
    int relock = pthread_mutex_lock(&checked_lock);
    intptr_t r = join(spawn(try_from_another, 0));
    pthread_mutex_unlock(&counter_lock);
    pthread_mutex_unlock(&checked_lock);
    printf("trylock of a mutex main holds: %s; error-checking mutex: relock %s, unlock by another thread %s\n",
           errname((int)(r / 1000)), errname(relock), errname((int)(r % 1000)));
    pthread_mutex_destroy(&checked_lock);
}

/* --------------------------------------------------- condition variables */

#define PING_PONGS 200

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn, pp_count, go, woken;

static void *pong(void *arg) {
    (void)arg;
    for (int i = 0; i < PING_PONGS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (pp_turn != 1)
            pthread_cond_wait(&pp_cond, &pp_lock);
        pp_count++;
        pp_turn = 0;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    return NULL;
}

static void *await_go(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pp_lock);
    while (!go)
        pthread_cond_wait(&pp_cond, &pp_lock);
    woken++;
    pthread_mutex_unlock(&pp_lock);
    return NULL;
}

static void condition_variables(void) {
    pthread_t t = spawn(pong, 0);
    for (int i = 0; i < PING_PONGS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (pp_turn != 0)
            pthread_cond_wait(&pp_cond, &pp_lock);
        pp_count++;
        pp_turn = 1;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    join(t);
    printf("condition variable ping-pong: %d turns\n", pp_count);

    pthread_t w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        w[i] = spawn(await_go, 0);
    sleep_ms(10);
    pthread_mutex_lock(&pp_lock);
    go = 1;
    pthread_cond_broadcast(&pp_cond);
    pthread_mutex_unlock(&pp_lock);
    for (int i = 0; i < NTHREADS; i++)
        join(w[i]);
    printf("broadcast: %d of %d waiters woke\n", woken, NTHREADS);

    struct timespec start, deadline, end;
    clock_gettime(CLOCK_REALTIME, &start);
    deadline = start;
    deadline.tv_nsec += 20 * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&pp_lock);
    int rc = pthread_cond_timedwait(&pp_cond, &pp_lock, &deadline);
    pthread_mutex_unlock(&pp_lock);
    clock_gettime(CLOCK_REALTIME, &end);
    long waited_ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    printf("pthread_cond_timedwait(20 ms): %s, waited at least 20 ms %d\n", errname(rc), waited_ms >= 19);
}

/* --------------------------------------------------------------- barriers */

#define ROUNDS 5

static pthread_barrier_t barrier;
static atomic_int arrivals[ROUNDS], serials[ROUNDS], barrier_bad;

static void *barrier_worker(void *arg) {
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        arrivals[r]++;
        int rc = pthread_barrier_wait(&barrier);
        if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
            serials[r]++;
        else if (rc != 0)
            barrier_bad++;
        if (arrivals[r] != NTHREADS)
            barrier_bad++;
    }
    return NULL;
}

static void barriers(void) {
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(barrier_worker, 0);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    int one_serial = 1;
    for (int r = 0; r < ROUNDS; r++)
        one_serial &= serials[r] == 1;
    printf("barrier: %d rounds of %d threads, one serial thread a round %d, none left before all arrived %d\n",
           ROUNDS, NTHREADS, one_serial, barrier_bad == 0);
    pthread_barrier_destroy(&barrier);
}

/* ------------------------------------------------- thread-local storage */

static __thread int tls_value = 7;
static __thread char tls_zeroed[64];
static int *tls_addresses[NTHREADS];

static void *tls_worker(void *arg) {
    intptr_t i = (intptr_t)arg;
    int ok = tls_value == 7 && tls_zeroed[0] == 0 && tls_zeroed[63] == 0;
    tls_value = 100 + (int)i;
    memset(tls_zeroed, (int)i + 1, sizeof tls_zeroed);
    tls_addresses[i] = &tls_value;
    pthread_barrier_wait(&barrier); /* all have written theirs */
    ok &= tls_value == 100 + i && tls_zeroed[63] == i + 1;
    return (void *)(intptr_t)ok;
}

static pthread_key_t key;
static atomic_int destructor_calls;
static atomic_long destructor_sum;

static void destructor(void *value) {
    destructor_calls++;
    destructor_sum += (intptr_t)value;
}

static void *key_worker(void *arg) {
    intptr_t i = (intptr_t)arg;
    int ok = pthread_getspecific(key) == NULL;
    if (i != 3) /* thread 3 leaves its value NULL: no destructor call */
        pthread_setspecific(key, (void *)(i + 1));
    ok &= pthread_getspecific(key) == (void *)(i == 3 ? 0 : i + 1);
    if (i == 5)
        pthread_exit((void *)(intptr_t)ok); /* destructors run on pthread_exit too */
    return (void *)(intptr_t)ok;
}

static void thread_local_storage(void) {
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(tls_worker, i);
    int ok = 1, distinct = 1;
    for (int i = 0; i < NTHREADS; i++)
        ok &= join(t[i]) == 1;
    for (int i = 0; i < NTHREADS; i++)
        for (int j = 0; j < i; j++)
            distinct &= tls_addresses[i] != tls_addresses[j];
    distinct &= &tls_value != tls_addresses[0];
    printf("__thread: each thread began with 7 and zeroes and kept its own %d, addresses distinct %d, main's "
           "still %d\n",
           ok, distinct, tls_value);
    pthread_barrier_destroy(&barrier);

    must(pthread_key_create(&key, destructor), "pthread_key_create");
    pthread_setspecific(key, (void *)1000);
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(key_worker, i);
    ok = 1;
    for (int i = 0; i < NTHREADS; i++)
        ok &= join(t[i]) == 1;
    printf("pthread keys: values per thread %d, destructor calls %d (sum %ld), main's value %ld\n", ok,
           destructor_calls, destructor_sum, (long)(intptr_t)pthread_getspecific(key));
    pthread_key_delete(key);
}

/* ---------------------------------------------------------------- ids */

static pid_t worker_pid[NTHREADS], worker_tid[NTHREADS], worker_ppid[NTHREADS];
static pthread_t worker_self[NTHREADS];

static void *id_worker(void *arg) {
    intptr_t i = (intptr_t)arg;
    worker_pid[i] = getpid();
    worker_tid[i] = gettid_raw();
    worker_ppid[i] = getppid();
    worker_self[i] = pthread_self();
    pthread_barrier_wait(&barrier); /* all alive at once: no tid reused */
    return NULL;
}

static void ids(void) {
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(id_worker, i);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    pthread_barrier_destroy(&barrier);
    pid_t pid = getpid();
    int same_pid = 1, same_ppid = 1, tid_not_pid = 1, distinct = 1, self_matches = 1;
    for (int i = 0; i < NTHREADS; i++) {
        same_pid &= worker_pid[i] == pid;
        same_ppid &= worker_ppid[i] == getppid();
        tid_not_pid &= worker_tid[i] != pid && worker_tid[i] > 0;
        self_matches &= pthread_equal(worker_self[i], t[i]) && !pthread_equal(worker_self[i], pthread_self());
        for (int j = 0; j < i; j++)
            distinct &= worker_tid[i] != worker_tid[j];
    }
    printf("ids: getpid the same in %d threads %d, getppid too %d, gettid distinct %d and not the pid %d, "
           "pthread_self is what pthread_create gave %d, main's gettid is its pid %d\n",
           NTHREADS, same_pid, same_ppid, distinct, tid_not_pid, self_matches, gettid_raw() == pid);
}

/* ------------------------------------------------------ detached threads */

static atomic_int detached_done, detached_seen;

static void *detached_worker(void *arg) {
    intptr_t how = (intptr_t)arg; /* 0: made detached, 1: detaches itself, 2: detached by main */
    if (how == 1)
        pthread_detach(pthread_self());
    if (how != 2) {
        pthread_attr_t attr;
        int state = -1;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            pthread_attr_getdetachstate(&attr, &state);
            pthread_attr_destroy(&attr);
        }
        if (state == PTHREAD_CREATE_DETACHED)
            detached_seen++;
    }
    sleep_ms(5);
    detached_done++;
    return NULL;
}

static void wait_for(atomic_int *done, int n) {
    for (int i = 0; i < 5000 && *done < n; i++)
        sleep_ms(1);
}

static void detached(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    for (int i = 0; i < 4; i++)
        must(pthread_create(&t, &attr, detached_worker, (void *)0), "pthread_create(detached)");
    pthread_attr_destroy(&attr);
    for (int i = 0; i < 2; i++)
        spawn(detached_worker, 1);
    for (int i = 0; i < 2; i++)
        must(pthread_detach(spawn(detached_worker, 2)), "pthread_detach");
    long work = 0; /* main goes on meanwhile */
    for (int i = 0; i < 100000; i++)
        work += i % 7;
    wait_for(&detached_done, 8);
    printf("detached: %d of 8 ran to the end while main went on (work %ld), %d saw themselves detached\n",
           detached_done, work, detached_seen);
}

/* ------------------------------------------------------- many threads */

#define BATCHES 40 /* 320 threads in all: more than the 256 slots of rvsim's process table */

static void *numbered(void *arg) {
    return arg;
}

static atomic_int more_detached_done;

static void *detached_count(void *arg) {
    (void)arg;
    more_detached_done++;
    return NULL;
}

static void many_threads(void) {
    long sum = 0;
    int created = 0;
    for (int b = 0; b < BATCHES; b++) {
        pthread_t t[NTHREADS];
        for (int i = 0; i < NTHREADS; i++)
            t[i] = spawn(numbered, created++);
        for (int i = 0; i < NTHREADS; i++)
            sum += join(t[i]);
    }
    printf("%d threads in batches of %d, each joined: sum of results %ld\n", created, NTHREADS, sum);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 16; i++) {
        pthread_t t;
        must(pthread_create(&t, &attr, detached_count, NULL), "pthread_create(detached)");
    }
    pthread_attr_destroy(&attr);
    wait_for(&more_detached_done, 16);
    printf("16 detached threads: %d ran\n", more_detached_done);
}

/* ---------------------------------------------------------- pthread_exit */

static atomic_int cleanups;

static void count_cleanup(void *arg) {
    (void)arg;
    cleanups++;
}

static volatile int exit_now = 1;

__attribute__((noinline)) static int leave_from_here(void) {
    if (exit_now)
        pthread_exit((void *)42);
    return 1;
}

__attribute__((noinline)) static int call_the_leaver(void) {
    int r = leave_from_here();
    cleanups += 100; /* never reached */
    return r;
}

static void *exits_with_value(void *arg) {
    (void)arg;
    pthread_cleanup_push(count_cleanup, NULL);
    call_the_leaver();
    pthread_cleanup_pop(0);
    return (void *)1;
}

static pid_t child_pid_seen_by_main;

static void *outlives_main(void *arg) {
    intptr_t how = (intptr_t)arg;
    sleep_ms(100); /* main has called pthread_exit by now */
    printf("  the thread goes on after main's pthread_exit: getpid unchanged %d\n",
           getpid() == child_pid_seen_by_main);
    if (how == 0)
        exit(5);
    fflush(stdout);
    return NULL; /* the last thread: the process exits with 0 */
}

static void thread_exits(void) {
    cleanups = 0;
    long r = (long)join(spawn(exits_with_value, 0));
    printf("pthread_exit(42) from a nested call: join got %ld, cleanup handler ran %d\n", r, cleanups);

    for (int how = 0; how < 2; how++) {
        pid_t pid = fork_flushed();
        if (pid == 0) {
            child_pid_seen_by_main = getpid();
            spawn(outlives_main, how);
            pthread_exit(NULL);
        }
        report_child(how == 0 ? "main's pthread_exit, then the other thread's exit(5)"
                              : "main's pthread_exit, then the other thread returns",
                     pid);
    }
}

/* --------------------------------------- one thread ends the whole process */

static void *calls_exit(void *arg) {
    (void)arg;
    sleep_ms(20);
    exit(7);
}

static void *faults(void *arg) {
    (void)arg;
    sleep_ms(20);
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
    return NULL;
}

static int block_pipe[2];

static void *blocks_in_read(void *arg) {
    (void)arg;
    char c;
    ssize_t n = read(block_pipe[0], &c, 1);
    return (void *)n;
}

static void whole_process_ends(void) {
    pid_t pid = fork_flushed();
    if (pid == 0) {
        spawn(calls_exit, 0);
        for (;;)
            pause();
    }
    report_child("exit(7) in a thread while main waits in pause", pid);

    pid = fork_flushed();
    if (pid == 0) {
        spawn(faults, 0);
        for (;;)
            pause();
    }
    report_child("a thread's store to NULL", pid);

    pid = fork_flushed();
    if (pid == 0) {
        if (pipe(block_pipe) != 0)
            _exit(99);
        spawn(blocks_in_read, 0);
        spawn(blocks_in_read, 0);
        sleep_ms(20);
        exit(3);
    }
    report_child("main's exit(3) while two threads wait in read", pid);
}

/* -------------------------------------------------------- shared memory */

#define BUF_SIZE (64 * 1024)

static unsigned char *heap_buf;
static volatile unsigned char *mapped;
static sem_t mapped_ready, mapped_used;

static void *fill_heap(void *arg) {
    (void)arg;
    heap_buf = malloc(BUF_SIZE);
    for (int i = 0; i < BUF_SIZE; i++)
        heap_buf[i] = (unsigned char)(i * 7);
    return NULL;
}

static void *sum_heap(void *arg) {
    (void)arg;
    long sum = 0;
    for (int i = 0; i < BUF_SIZE; i++)
        sum += heap_buf[i];
    return (void *)sum;
}

static void *maps(void *arg) {
    (void)arg;
    mapped = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED)
        return (void *)-1;
    for (int i = 0; i < BUF_SIZE; i += 4096)
        mapped[i] = 1;
    sem_post(&mapped_ready);
    sem_wait(&mapped_used); /* the other thread writes to it meanwhile */
    long sum = 0;
    for (int i = 0; i < BUF_SIZE; i += 4096)
        sum += mapped[i] + mapped[i + 1];
    munmap((void *)mapped, BUF_SIZE);
    return (void *)sum;
}

static void *uses_mapping(void *arg) {
    (void)arg;
    sem_wait(&mapped_ready);
    long sum = 0;
    for (int i = 0; i < BUF_SIZE; i += 4096) {
        sum += mapped[i];
        mapped[i + 1] = 2;
    }
    sem_post(&mapped_used);
    return (void *)sum;
}

static volatile int *guarded;
static sem_t guard_read, guard_set;

static void *writes_late(void *arg) {
    (void)arg;
    int seen = *guarded; /* the page is in this thread's view (and TLB) now */
    printf("  the other thread read %d before the mprotect\n", seen);
    fflush(stdout);
    sem_post(&guard_read);
    sem_wait(&guard_set);
    *guarded = 2;
    printf("  its store went through after PROT_READ\n");
    fflush(stdout);
    return NULL;
}

static void shared_memory(void) {
    join(spawn(fill_heap, 0));
    long sum = (long)join(spawn(sum_heap, 0));
    free(heap_buf);
    printf("malloc'd in one thread, summed in another: %ld\n", sum);

    sem_init(&mapped_ready, 0, 0);
    sem_init(&mapped_used, 0, 0);
    pthread_t owner = spawn(maps, 0);
    pthread_t user = spawn(uses_mapping, 0);
    long seen = (long)join(user);
    long after = (long)join(owner);
    printf("mmap'd in one thread: the other read %ld pages and wrote, the owner read back %ld\n", seen, after);
    sem_destroy(&mapped_ready);
    sem_destroy(&mapped_used);

    pid_t pid = fork_flushed();
    if (pid == 0) {
        sem_init(&guard_read, 0, 0);
        sem_init(&guard_set, 0, 0);
        guarded = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *guarded = 1;
        pthread_t t = spawn(writes_late, 0);
        sem_wait(&guard_read);
        int rc = mprotect((void *)guarded, 4096, PROT_READ);
        printf("  main made the page PROT_READ: %d\n", rc);
        fflush(stdout);
        sem_post(&guard_set);
        join(t);
        exit(0);
    }
    report_child("a store by another thread after mprotect(PROT_READ)", pid);
}

/* ------------------------------------------------- malloc in many threads */

#define SLOTS 16
#define ALLOCS 1500

struct blocks {
    unsigned char *block[SLOTS];
    size_t size[SLOTS];
    unsigned long sum;
};

static unsigned long check_block(const unsigned char *b, size_t size, int *bad) {
    unsigned long sum = 0;
    for (size_t k = 0; k < size; k++) {
        if (b[k] != (unsigned char)(size + k * 31))
            (*bad)++;
        sum += b[k];
    }
    return sum;
}

static void *malloc_worker(void *arg) {
    intptr_t i = (intptr_t)arg;
    struct blocks *mine = calloc(1, sizeof *mine);
    unsigned seed = 12345u + (unsigned)i * 7919u;
    int bad = 0;
    for (int n = 0; n < ALLOCS; n++) {
        seed = seed * 1103515245u + 12345u;
        int slot = (seed >> 16) % SLOTS;
        if (mine->block[slot]) {
            mine->sum += check_block(mine->block[slot], mine->size[slot], &bad);
            free(mine->block[slot]);
        }
        size_t size = 1 + (seed >> 4) % 1024;
        if (n % 300 == 7)
            size = 200000 + n; /* above the mmap threshold */
        unsigned char *b = malloc(size);
        if (b == NULL)
            return NULL;
        for (size_t k = 0; k < size; k++)
            b[k] = (unsigned char)(size + k * 31);
        mine->block[slot] = b;
        mine->size[slot] = size;
    }
    if (bad)
        mine->sum = 0;
    return mine; /* main checks and frees the rest: frees into another thread's arena */
}

static void malloc_in_threads(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(malloc_worker, i);
    unsigned long total = 0;
    int bad = 0, lost = 0;
    for (int i = 0; i < NTHREADS; i++) {
        struct blocks *b = (struct blocks *)join(t[i]);
        if (b == NULL) {
            lost++;
            continue;
        }
        total += b->sum;
        for (int s = 0; s < SLOTS; s++)
            if (b->block[s]) {
                total += check_block(b->block[s], b->size[s], &bad);
                free(b->block[s]);
            }
        free(b);
    }
    printf("malloc/free in %d threads at once: checksum %lu, bad bytes %d, failed %d\n", NTHREADS, total, bad,
           lost);
}

/* ---------------------------------------------------- signals and threads */

static __thread int on_worker;
static atomic_int usr1_on_worker, usr1_on_main, usr2_runs;

static void on_usr1(int sig) {
    (void)sig;
    if (on_worker)
        usr1_on_worker++;
    else
        usr1_on_main++;
}

static void on_usr2(int sig) {
    (void)sig;
    if (on_worker)
        usr2_runs++;
    else
        usr2_runs += 100;
}

static void *raises(void *arg) {
    (void)arg;
    on_worker = 1;
    return (void *)(intptr_t)raise(SIGUSR1);
}

static sem_t ready, sent;

static void *suspends(void *arg) {
    (void)arg;
    on_worker = 1;
    sigset_t block, none;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2); /* until sigsuspend: neither may come early */
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    sem_post(&ready);
    sigemptyset(&none);
    int rc = sigsuspend(&none);
    return (void *)(intptr_t)(rc == -1 && errno == EINTR);
}

struct mask_result {
    int pending_before, runs_before, runs_after;
};

static void *blocks_usr2(void *arg) {
    struct mask_result *r = arg;
    on_worker = 1;
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    sem_post(&ready);
    sem_wait(&sent);
    sigpending(&pending);
    r->pending_before = sigismember(&pending, SIGUSR2);
    r->runs_before = usr2_runs;
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    r->runs_after = usr2_runs;
    return NULL;
}

static void signals_and_threads(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);

    long rc = (long)join(spawn(raises, 0));
    printf("raise in a thread: %ld, the handler ran on that thread %d, on main %d\n", rc, usr1_on_worker,
           usr1_on_main);

    usr1_on_worker = usr1_on_main = 0;
    sem_init(&ready, 0, 0);
    sem_init(&sent, 0, 0);
    pthread_t t = spawn(suspends, 0);
    sem_wait(&ready);
    int kill_rc = pthread_kill(t, SIGUSR1);
    long eintr = (long)join(t);
    printf("pthread_kill(SIGUSR1) of a thread in sigsuspend: %s, it returned EINTR %ld, the handler ran on that "
           "thread %d, on main %d\n",
           errname(kill_rc), eintr, usr1_on_worker, usr1_on_main);

    struct mask_result r;
    t = spawn(blocks_usr2, (intptr_t)&r);
    sem_wait(&ready);
    kill_rc = pthread_kill(t, SIGUSR2);
    sigset_t pending;
    sigpending(&pending);
    int main_pending = sigismember(&pending, SIGUSR2);
    sem_post(&sent);
    join(t);
    printf("SIGUSR2 blocked in one thread, pthread_kill: %s; pending there %d, not in main %d; handler before "
           "unblocking %d, after %d\n",
           errname(kill_rc), r.pending_before, !main_pending, r.runs_before, r.runs_after);

    /* kill() to the process while main blocks SIGUSR1: the thread that
     * takes it is the one that does not block it. */
    usr1_on_worker = usr1_on_main = 0;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    t = spawn(suspends, 0);
    sem_wait(&ready);
    kill(getpid(), SIGUSR1);
    eintr = (long)join(t);
    sigpending(&pending);
    int still_pending = sigismember(&pending, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    printf("kill(getpid(), SIGUSR1) with main blocking it: taken by the thread in sigsuspend %d (EINTR %ld), on "
           "main %d, left pending %d\n",
           usr1_on_worker, eintr, usr1_on_main, still_pending);

    /* Every thread blocks it: it waits, process-wide, for the first to unblock. */
    usr1_on_worker = usr1_on_main = 0;
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    t = spawn(suspends, 0); /* blocks SIGUSR1 until its sigsuspend */
    sem_wait(&ready);
    pthread_kill(t, SIGUSR2); /* nothing to do with it: SIGUSR2 is not blocked there */
    eintr = (long)join(t);
    kill(getpid(), SIGUSR1);
    sigpending(&pending);
    int pending_in_main = sigismember(&pending, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    printf("SIGUSR2 woke the thread's sigsuspend %ld; kill(SIGUSR1) with every thread blocking it: pending %d, "
           "then main's handler ran %d on unblocking\n",
           eintr, pending_in_main, usr1_on_main);
    sem_destroy(&ready);
    sem_destroy(&sent);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* ---------------------------------------------------- fork from a thread */

static int inherited = 5;

static void *child_thread(void *arg) {
    return arg;
}

static void *forks(void *arg) {
    (void)arg;
    int local = 11;
    inherited = 31;
    pid_t pid = fork_flushed();
    if (pid == 0) {
        int code = 40;
        if (local == 11 && inherited == 31)
            code += 1;
        if (getpid() == gettid_raw())
            code += 2;
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, child_thread, (void *)7) == 0 && pthread_join(t, &r) == 0 && r == (void *)7)
            code += 4;
        char *p = malloc(100000);
        if (p != NULL) {
            memset(p, 1, 100000);
            free(p);
            code += 8;
        }
        exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    pid_t second = fork_flushed();
    if (second == 0)
        _exit(9);
    return (void *)(intptr_t)(((intptr_t)second << 16) | (status & 0xffff));
}

static void fork_from_a_thread(void) {
    intptr_t r = join(spawn(forks, 0));
    int status = (int)(r & 0xffff);
    pid_t second = (pid_t)(r >> 16);
    printf("fork in a thread, waited for by that thread: exited %d with %d (40 + 1 memory + 2 one thread + 4 a "
           "thread of its own + 8 malloc)\n",
           WIFEXITED(status), WEXITSTATUS(status));
    report_child("a child forked by a thread that has ended, waited for by main", second);
}

/* ------------------------------------------------ semaphores, pthread_once */

#define ITEMS 2000
#define QUEUE 4

static sem_t slots_free, slots_full;
static int queue[QUEUE];

static void *produce(void *arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&slots_free);
        queue[i % QUEUE] = i;
        sem_post(&slots_full);
    }
    return NULL;
}

static void *consume(void *arg) {
    (void)arg;
    long sum = 0;
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&slots_full);
        sum += queue[i % QUEUE];
        sem_post(&slots_free);
    }
    return (void *)sum;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_runs, once_done, once_saw_done;

static void init_once(void) {
    once_runs++;
    sleep_ms(20); /* the others wait for it meanwhile */
    once_done = 1;
}

static void *calls_once(void *arg) {
    (void)arg;
    pthread_once(&once, init_once);
    if (once_done)
        once_saw_done++;
    return NULL;
}

static void semaphores_and_once(void) {
    sem_init(&slots_free, 0, QUEUE);
    sem_init(&slots_full, 0, 0);
    pthread_t p = spawn(produce, 0), c = spawn(consume, 0);
    join(p);
    long sum = (long)join(c);
    int value = -1;
    sem_getvalue(&slots_free, &value);
    int try = sem_trywait(&slots_full) == -1 ? errno : 0;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 10 * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int timed = sem_timedwait(&slots_full, &deadline) == -1 ? errno : 0;
    printf("semaphores: %d items through a queue of %d, sum %ld, free slots after %d, trywait %s, timedwait %s\n",
           ITEMS, QUEUE, sum, value, errname(try), errname(timed));
    sem_destroy(&slots_free);
    sem_destroy(&slots_full);

    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        t[i] = spawn(calls_once, 0);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    printf("pthread_once from %d threads: the routine ran %d time(s), every caller saw it done %d\n", NTHREADS,
           once_runs, once_saw_done == NTHREADS);
}

/* ------------------------------------------------------------ cancellation */

static pthread_mutex_t cw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cw_cond = PTHREAD_COND_INITIALIZER;
static int cw_waiting;
static int cancel_pipe[2];
static atomic_int slept_through;

static void unlock_cleanup(void *mutex) {
    cleanups++;
    pthread_mutex_unlock(mutex);
}

static void *waits_forever(void *arg) {
    (void)arg;
    pthread_mutex_lock(&cw_lock);
    cw_waiting = 1;
    pthread_cleanup_push(unlock_cleanup, &cw_lock);
    for (;;)
        pthread_cond_wait(&cw_cond, &cw_lock);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *sleeps_long(void *arg) {
    (void)arg;
    pthread_cleanup_push(count_cleanup, NULL);
    sem_post(&ready);
    sleep(100);
    pthread_cleanup_pop(0);
    return (void *)1;
}

static void *reads_forever(void *arg) {
    (void)arg;
    char c;
    ssize_t n; /* pthread_cleanup_push opens a block */
    pthread_cleanup_push(count_cleanup, NULL);
    sem_post(&ready);
    n = read(cancel_pipe[0], &c, 1);
    pthread_cleanup_pop(0);
    return (void *)n;
}

static void *cancels_later(void *arg) {
    (void)arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    sem_post(&ready);
    sem_wait(&sent); /* main has cancelled us */
    sleep_ms(30);    /* not a cancellation point now */
    slept_through = 1;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel();
    return (void *)1;
}

static void *spins(void *arg) {
    (void)arg;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    sem_post(&ready);
    for (volatile unsigned long i = 0;; i++) {
    }
    return NULL;
}

static const char *joined(pthread_t t) {
    void *r;
    int rc = pthread_join(t, &r);
    if (rc != 0)
        return errname(rc);
    return r == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "a value";
}

static void cancellation(void) {
    cleanups = 0;
    pthread_t t = spawn(waits_forever, 0);
    for (;;) {
        pthread_mutex_lock(&cw_lock);
        if (cw_waiting)
            break;
        pthread_mutex_unlock(&cw_lock);
        sleep_ms(1);
    }
    int rc = pthread_cancel(t); /* it is in pthread_cond_wait: main holds the mutex */
    pthread_mutex_unlock(&cw_lock);
    const char *how = joined(t);
    int relock = pthread_mutex_trylock(&cw_lock);
    if (relock == 0)
        pthread_mutex_unlock(&cw_lock);
    printf("pthread_cancel in pthread_cond_wait: %s, join: %s, cleanup ran %d, the mutex free again %d\n",
           errname(rc), how, cleanups, relock == 0);

    sem_init(&ready, 0, 0);
    sem_init(&sent, 0, 0);
    cleanups = 0;
    t = spawn(sleeps_long, 0);
    sem_wait(&ready);
    sleep_ms(20);
    rc = pthread_cancel(t);
    how = joined(t);
    printf("pthread_cancel in sleep(100): %s, join: %s, cleanup ran %d\n", errname(rc), how, cleanups);

    cleanups = 0;
    if (pipe(cancel_pipe) != 0)
        exit(1);
    t = spawn(reads_forever, 0);
    sem_wait(&ready);
    sleep_ms(20);
    rc = pthread_cancel(t);
    how = joined(t);
    printf("pthread_cancel in read of an empty pipe: %s, join: %s, cleanup ran %d\n", errname(rc), how, cleanups);
    close(cancel_pipe[0]);
    close(cancel_pipe[1]);

    t = spawn(cancels_later, 0);
    sem_wait(&ready);
    rc = pthread_cancel(t);
    sem_post(&sent);
    how = joined(t);
    printf("pthread_cancel with cancellation disabled: %s, it finished its sleep %d, then join: %s\n",
           errname(rc), slept_through, how);

    t = spawn(spins, 0);
    sem_wait(&ready);
    sleep_ms(10);
    rc = pthread_cancel(t);
    printf("pthread_cancel of an asynchronously cancellable busy loop: %s, join: %s\n", errname(rc), joined(t));
    sem_destroy(&ready);
    sem_destroy(&sent);
}

int main(void) {
    alarm(30); /* a hang shows as SIGALRM, not as a stuck test */
    create_and_join();
    mutexes();
    condition_variables();
    barriers();
    thread_local_storage();
    ids();
    detached();
    many_threads();
    thread_exits();
    whole_process_ends();
    shared_memory();
    malloc_in_threads();
    signals_and_threads();
    fork_from_a_thread();
    semaphores_and_once();
    cancellation();
    printf("done\n");
    return 0;
}

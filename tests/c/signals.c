/* POSIX signals through glibc, as Linux delivers them: handlers plain and
 * with SA_SIGINFO (si_signo, si_code, si_pid, the ucontext and the mask it
 * saved, which the handler may edit), the mask during a handler (the
 * signal itself, SA_NODEFER), blocked signals left pending until
 * unblocked (two unblocked at once: the lower-numbered is taken first, and
 * the other's handler runs on top of it, so finishes first), SA_RESETHAND,
 * SIG_IGN, default actions, faults caught (SIGSEGV with SEGV_MAPERR and
 * SEGV_ACCERR, SIGILL with ILL_ILLOPC) and left with siglongjmp or by
 * returning, SIGCHLD with the child's status, SA_RESTART against EINTR,
 * alarm and setitimer, pause and sigsuspend, the errors of kill,
 * rt_sigaction and rt_sigprocmask, and registers (integer, floating point
 * and fcsr) kept across a handler that clobbers them.
 *
 * Its output must be the same under Linux (qemu-riscv64) and rvsim: no
 * addresses, pids or times are printed, only whether they match. With the
 * argument "linux-only" it runs what qemu-user gets wrong (sa_mask) or
 * cannot run here (execve of a riscv program): what execve keeps (ignored
 * signals, the mask, pending signals) and resets (handlers); with
 * "exec-check" it is the program that exec runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- names */

static const char *errname(int e) {
    switch (e) {
    case EINTR: return "EINTR";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case ECHILD: return "ECHILD";
    case ENOSYS: return "ENOSYS";
    case EAGAIN: return "EAGAIN";
    case ENOENT: return "ENOENT";
    case ENOEXEC: return "ENOEXEC";
    default: return "E?";
    }
}

/* "0", or "-1 ENAME" for a failed call's result. */
static const char *result(long r) {
    static char buf[64];
    if (r == -1)
        snprintf(buf, sizeof buf, "-1 %s", errname(errno));
    else
        snprintf(buf, sizeof buf, "%ld", r);
    return buf;
}

static const char *signame(int sig) {
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    default: {
        static char buf[16];
        snprintf(buf, sizeof buf, "signal %d", sig);
        return buf;
    }
    }
}

/* The symbolic name of si_code `code` for signal `sig`. */
static const char *codename(int sig, int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_TKILL: return "SI_TKILL";
    }
    if (sig == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
    if (sig == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
    if (sig == SIGILL && code == ILL_ILLOPC) return "ILL_ILLOPC";
    if (sig == SIGILL && code == ILL_ILLOPN) return "ILL_ILLOPN";
    if (sig == SIGCHLD && code == CLD_EXITED) return "CLD_EXITED";
    if (sig == SIGCHLD && code == CLD_KILLED) return "CLD_KILLED";
    if (sig == SIGCHLD && code == CLD_DUMPED) return "CLD_DUMPED";
    static char buf[32];
    snprintf(buf, sizeof buf, "code %d", code);
    return buf;
}

/* How a waited-for child ended. */
static const char *ended(int status) {
    static char buf[64];
    if (WIFEXITED(status))
        snprintf(buf, sizeof buf, "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "killed by %s", signame(WTERMSIG(status)));
    else
        snprintf(buf, sizeof buf, "status %#x", status);
    return buf;
}

static int blocked(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static int is_pending(int sig) {
    sigset_t set;
    sigpending(&set);
    return sigismember(&set, sig);
}

static void set_handler(int sig, void (*handler)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        printf("sigaction(%s): %s\n", signame(sig), result(-1));
        exit(1);
    }
}

static void set_action(int sig, void (*action)(int, siginfo_t *, void *), int flags, const sigset_t *mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = action;
    sa.sa_flags = flags | SA_SIGINFO;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        printf("sigaction(%s): %s\n", signame(sig), result(-1));
        exit(1);
    }
}

/* A child that dumps no core file wherever it is run. */
static pid_t fork_quiet(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
    }
    return pid;
}

static int wait_for(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        printf("waitpid: %s\n", result(-1));
    return status;
}

/* -------------------------------------------------- a plain handler */

static volatile sig_atomic_t count, last_sig;

static void on_count(int sig) {
    count++;
    last_sig = sig;
}

static void plain_handler(void) {
    set_handler(SIGUSR1, on_count, 0);
    count = 0;
    int r = raise(SIGUSR1);
    printf("plain handler: raise %d, ran %d time(s), for %s\n", r, (int)count, signame(last_sig));
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("two more: ran %d times\n", (int)count);

    struct sigaction old, dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &dfl, &old);
    printf("replaced, the old action was the handler: %s\n", old.sa_handler == on_count ? "yes" : "no");
    sigaction(SIGUSR1, NULL, &old);
    printf("and now it is SIG_DFL: %s\n", old.sa_handler == SIG_DFL ? "yes" : "no");

    set_handler(SIGINT, on_count, 0);
    count = 0;
    raise(SIGINT);
    printf("SIGINT caught: %d, %s\n", (int)count, signame(last_sig));
    set_handler(SIGINT, SIG_DFL, 0);
}

/* ------------------------------------------------------ SA_SIGINFO */

static volatile int info_signo, info_code, info_pid_ours, info_uid, info_has_uc, info_uc_usr1, info_uc_usr2;

static void on_info(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    info_signo = si->si_signo;
    info_code = si->si_code;
    info_pid_ours = si->si_pid == getpid();
    info_uid = si->si_uid;
    info_has_uc = uc != NULL;
    if (uc) {
        info_uc_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
        info_uc_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
    }
    (void)sig;
}

static void print_info(const char *how) {
    printf("%s: si_signo %s, si_code %s, si_pid ours %d, si_uid is getuid %d, ucontext %s\n", how,
           signame(info_signo), codename(info_signo, info_code), info_pid_ours, info_uid == (int)getuid(),
           info_has_uc ? "non-NULL" : "NULL");
}

/* The handler makes SIGUSR2 blocked once it has returned, through the
 * mask in its ucontext, which rt_sigreturn restores. */
static void on_edit_mask(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    sigaddset(&uc->uc_sigmask, SIGUSR2);
    (void)sig, (void)si;
}

static void siginfo_handler(void) {
    set_action(SIGUSR1, on_info, 0, NULL);
    raise(SIGUSR1);
    print_info("raise");
    kill(getpid(), SIGUSR1);
    print_info("kill");
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    print_info("tgkill");

    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    kill(getpid(), SIGUSR1);
    printf("uc_sigmask is the interrupted mask: SIGUSR1 %d, SIGUSR2 %d\n", info_uc_usr1, info_uc_usr2);
    sigprocmask(SIG_UNBLOCK, &usr2, NULL);

    set_action(SIGUSR1, on_edit_mask, 0, NULL);
    kill(getpid(), SIGUSR1);
    printf("a handler's edit of uc_sigmask takes effect at its return: SIGUSR2 blocked %d\n", blocked(SIGUSR2));
    sigprocmask(SIG_UNBLOCK, &usr2, NULL);

    struct sigaction q;
    sigaction(SIGUSR1, NULL, &q);
    printf("read back: SA_SIGINFO %d, the action %d\n", (q.sa_flags & SA_SIGINFO) != 0, q.sa_sigaction == on_edit_mask);
    set_handler(SIGUSR1, SIG_DFL, 0);
}

/* ------------------------------------------- the mask during a handler */

static volatile int in_self, in_usr2, in_int, in_hup;

static void on_look(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    in_self = sigismember(&cur, sig);
    in_usr2 = sigismember(&cur, SIGUSR2);
    in_int = sigismember(&cur, SIGINT);
    in_hup = sigismember(&cur, SIGHUP);
}

static char seq[64];
static volatile int seq_len, depth;

static void note(char c) {
    if (seq_len < (int)sizeof seq - 1)
        seq[seq_len++] = c;
}

static void reset_seq(void) {
    memset(seq, 0, sizeof seq);
    seq_len = 0;
}

/* Records '<' and its signal's digit at entry, '>' at exit; raises
 * itself once more from inside. */
static void on_again(int sig) {
    note('<');
    note(sig == SIGUSR1 ? '1' : '2');
    if (depth++ == 0)
        raise(sig);
    note('>');
}

static void mask_in_handler(void) {
    set_handler(SIGUSR1, on_look, 0);
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, NULL);
    raise(SIGUSR1);
    printf("in the handler: SIGUSR1 blocked %d, SIGUSR2 %d, SIGINT %d, SIGHUP (blocked before) %d\n", in_self, in_usr2,
           in_int, in_hup);
    printf("after it: SIGUSR1 blocked %d, SIGHUP %d\n", blocked(SIGUSR1), blocked(SIGHUP));
    sigprocmask(SIG_UNBLOCK, &hup, NULL);

    set_handler(SIGUSR1, on_look, SA_NODEFER);
    raise(SIGUSR1);
    printf("with SA_NODEFER: SIGUSR1 blocked %d; after it %d\n", in_self, blocked(SIGUSR1));

    /* A handler raising its own signal: without SA_NODEFER the second
     * runs after the first returns, with it inside the first. */
    set_handler(SIGUSR1, on_again, 0);
    reset_seq();
    depth = 0;
    raise(SIGUSR1);
    printf("raised inside its own handler: %s\n", seq);
    set_handler(SIGUSR1, on_again, SA_NODEFER);
    reset_seq();
    depth = 0;
    raise(SIGUSR1);
    printf("the same with SA_NODEFER: %s\n", seq);
    set_handler(SIGUSR1, SIG_DFL, 0);
}

/* ------------------------------------------ blocked signals pending */

static void on_seq(int sig) {
    note('<');
    note(sig == SIGUSR1 ? '1' : '2');
    note('>');
}

static void pending_signals(void) {
    set_handler(SIGUSR2, on_count, 0);
    count = 0;
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    raise(SIGUSR2);
    raise(SIGUSR2);
    printf("blocked SIGUSR2 raised twice: pending %d, SIGUSR1 pending %d, handler ran %d\n", is_pending(SIGUSR2),
           is_pending(SIGUSR1), (int)count);
    sigprocmask(SIG_UNBLOCK, &usr2, NULL);
    int at_unblock = count;
    printf("unblocked: the handler ran %d time(s) before sigprocmask returned, pending now %d\n", at_unblock,
           is_pending(SIGUSR2));

    /* Two pending at once: the lower is taken first, and its handler's
     * frame is then interrupted by the other's before it starts. */
    set_handler(SIGUSR1, on_seq, 0);
    set_handler(SIGUSR2, on_seq, 0);
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    reset_seq();
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    printf("SIGUSR1 and SIGUSR2 unblocked together: %s\n", seq);

    /* sigprocmask cannot block SIGKILL or SIGSTOP. */
    sigset_t all;
    sigfillset(&all);
    sigset_t old;
    sigprocmask(SIG_SETMASK, &all, &old);
    printf("all blocked: SIGUSR1 %d, SIGSEGV %d, SIGKILL %d, SIGSTOP %d\n", blocked(SIGUSR1), blocked(SIGSEGV),
           blocked(SIGKILL), blocked(SIGSTOP));
    sigprocmask(SIG_SETMASK, &old, NULL);
    set_handler(SIGUSR1, SIG_DFL, 0);
    set_handler(SIGUSR2, SIG_DFL, 0);
}

/* ---------------------------------------------------- SA_RESETHAND */

static void reset_hand(void) {
    pid_t pid = fork_quiet();
    if (pid == 0) {
        set_handler(SIGUSR1, on_look, SA_RESETHAND);
        raise(SIGUSR1);
        struct sigaction now;
        sigaction(SIGUSR1, NULL, &now);
        printf("SA_RESETHAND: the first raise was caught (SIGUSR1 blocked in it %d), now SIG_DFL: %s\n", in_self,
               now.sa_handler == SIG_DFL ? "yes" : "no");
        fflush(stdout);
        raise(SIGUSR1);
        printf("still alive after the second raise\n");
        fflush(stdout);
        _exit(0);
    }
    int status = wait_for(pid);
    printf("the second raise: WIFSIGNALED %d, WTERMSIG %s\n", WIFSIGNALED(status),
           WIFSIGNALED(status) ? signame(WTERMSIG(status)) : "-");
}

/* ------------------------------------- SIG_IGN and default actions */

static void ignored_and_default(void) {
    set_handler(SIGUSR1, SIG_IGN, 0);
    int r = raise(SIGUSR1);
    printf("SIG_IGN: raise returns %d, nothing pending %d\n", r, !is_pending(SIGUSR1));
    struct sigaction q;
    sigaction(SIGUSR1, NULL, &q);
    printf("read back SIG_IGN: %s\n", q.sa_handler == SIG_IGN ? "yes" : "no");
    set_handler(SIGUSR1, SIG_DFL, 0);

    r = raise(SIGCHLD);
    printf("SIGCHLD's default action ignores it: raise returns %d, still here\n", r);

    static const int fatal[] = {SIGUSR1, SIGUSR2, SIGINT, SIGALRM, SIGTERM, SIGHUP};
    printf("default action, raised:");
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        pid_t pid = fork_quiet();
        if (pid == 0) {
            raise(fatal[i]);
            _exit(99);
        }
        printf(" %s", ended(wait_for(pid)));
    }
    printf("\n");

    pid_t pid = fork_quiet();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGKILL);
    printf("a paused child sent SIGKILL: %s\n", ended(wait_for(pid)));
}

/* ----------------------------------------------------------- SIGSEGV */

static sigjmp_buf env;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;
static volatile int fault_has_uc;

static void on_fault(int sig, siginfo_t *si, void *uc) {
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = si->si_addr;
    fault_has_uc = uc != NULL;
    siglongjmp(env, 1);
}

static int *volatile null_page = (int *)16;

/* Runs `touch(p)`; returns 1 if it faulted (and the handler jumped back). */
static int faults(void (*touch)(volatile char *), volatile char *p) {
    fault_sig = 0;
    fault_addr = NULL;
    if (sigsetjmp(env, 1) == 0) {
        touch(p);
        return 0;
    }
    return 1;
}

static void store(volatile char *p) {
    *p = 1;
}

static void load(volatile char *p) {
    (void)*p;
}

static void call(volatile char *p) {
    ((void (*)(void))(uintptr_t)p)();
}

static void report_fault(const char *what, int faulted, volatile char *at) {
    printf("%s: faulted %d, %s %s, si_addr is the address %d, ucontext %d, SIGSEGV blocked after %d\n", what, faulted,
           signame(fault_sig), codename(fault_sig, fault_code), fault_addr == (void *)at, fault_has_uc,
           blocked(SIGSEGV));
}

static char *fix_page;
static volatile int fixes;

static void on_fault_fix(int sig, siginfo_t *si, void *uc) {
    fixes++;
    mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);
    (void)sig, (void)si, (void)uc;
}

static void segv(void) {
    set_action(SIGSEGV, on_fault, 0, NULL);
    volatile char *null = (volatile char *)null_page;
    report_fault("a store to address 16", faults(store, null), null);
    report_fault("a load from address 16", faults(load, null), null);

    char *page = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        printf("mmap: %s\n", result(-1));
        return;
    }
    page[100] = 7;
    mprotect(page, 4096, PROT_READ);
    mprotect(page + 4096, 4096, PROT_NONE);
    munmap(page + 2 * 4096, 4096);
    report_fault("a store to a PROT_READ page", faults(store, page + 100), page + 100);
    printf("the page still holds %d\n", page[100]);
    report_fault("a load from a PROT_NONE page", faults(load, page + 4096 + 8), page + 4096 + 8);
    report_fault("a load from an unmapped page", faults(load, page + 2 * 4096 + 24), page + 2 * 4096 + 24);
    report_fault("a call into a page without PROT_EXEC", faults(call, page), page);

    /* A handler that makes the page writable and returns: the store is
     * made again, and succeeds. */
    fix_page = page;
    set_action(SIGSEGV, on_fault_fix, 0, NULL);
    fixes = 0;
    volatile char *fixed = page + 200;
    *fixed = 42;
    printf("a handler mprotects the page and returns: the store completed %d, after %d fault(s)\n", *fixed,
           (int)fixes);
    munmap(page, 2 * 4096);
    set_handler(SIGSEGV, SIG_DFL, 0);

    /* A fault with SIGSEGV blocked, or ignored, still kills. */
    pid_t pid = fork_quiet();
    if (pid == 0) {
        set_action(SIGSEGV, on_fault, 0, NULL);
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        sigprocmask(SIG_BLOCK, &segv, NULL);
        *null_page = 1;
        _exit(99);
    }
    printf("a fault with SIGSEGV blocked and handled: %s\n", ended(wait_for(pid)));
    pid = fork_quiet();
    if (pid == 0) {
        set_handler(SIGSEGV, SIG_IGN, 0);
        *null_page = 1;
        _exit(99);
    }
    printf("a fault with SIGSEGV ignored: %s\n", ended(wait_for(pid)));
}

/* ------------------------------------------------------------ SIGILL */

static volatile long ill_pc;
static volatile int ill_code, ill_at_pc;

static void on_ill_jump(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    fault_sig = sig;
    fault_code = si->si_code;
    ill_at_pc = uc && (uintptr_t)si->si_addr == uc->uc_mcontext.__gregs[REG_PC];
    siglongjmp(env, 1);
}

/* Steps over the 4 bytes of the illegal instruction by moving the pc in
 * the ucontext; rt_sigreturn resumes there. */
static void on_ill_skip(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    fault_sig = sig;
    fault_code = si->si_code;
    ill_at_pc = (uintptr_t)si->si_addr == uc->uc_mcontext.__gregs[REG_PC];
    uc->uc_mcontext.__gregs[REG_PC] += 4;
}

static __attribute__((noinline)) long illegal(long x) {
    long y;
    asm volatile("addi %0, %1, 1\n\t"
                 ".4byte 0\n\t"
                 "addi %0, %0, 1"
                 : "=&r"(y)
                 : "r"(x)
                 : "memory");
    return y;
}

static void sigill(void) {
    set_action(SIGILL, on_ill_jump, 0, NULL);
    fault_sig = 0;
    int faulted = 0;
    if (sigsetjmp(env, 1) == 0)
        illegal(1);
    else
        faulted = 1;
    printf("an illegal instruction: caught %d, %s %s, si_addr is the pc %d, SIGILL blocked after %d\n", faulted,
           signame(fault_sig), codename(fault_sig, fault_code), ill_at_pc, blocked(SIGILL));

    set_action(SIGILL, on_ill_skip, 0, NULL);
    fault_sig = 0;
    long y = illegal(40);
    printf("stepped over by the handler: %s %s, si_addr is the pc %d, the code went on: %ld\n", signame(fault_sig),
           codename(fault_sig, fault_code), ill_at_pc, y);
    set_handler(SIGILL, SIG_DFL, 0);

    pid_t pid = fork_quiet();
    if (pid == 0) {
        illegal(0);
        _exit(99);
    }
    printf("unhandled: %s\n", ended(wait_for(pid)));
}

/* ----------------------------------------------------------- SIGCHLD */

static volatile int chld_count, chld_pid, chld_status, chld_code;

static void on_chld(int sig, siginfo_t *si, void *uc) {
    chld_count++;
    chld_pid = si->si_pid;
    chld_status = si->si_status;
    chld_code = si->si_code;
    (void)sig, (void)uc;
}

static void wait_for_sigchld(void) {
    sigset_t none;
    sigemptyset(&none);
    while (chld_count == 0)
        sigsuspend(&none);
}

static void sigchld(void) {
    set_action(SIGCHLD, on_chld, 0, NULL);
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    chld_count = 0;
    pid_t pid = fork_quiet();
    if (pid == 0)
        _exit(7);
    wait_for_sigchld();
    printf("SIGCHLD: %d, si_pid is the child %d, si_status %d, si_code %s\n", chld_count, chld_pid == pid, chld_status,
           codename(SIGCHLD, chld_code));
    int status = wait_for(pid);
    printf("then waitpid: %s\n", ended(status));

    chld_count = 0;
    pid = fork_quiet();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGKILL);
    wait_for_sigchld();
    printf("SIGCHLD for a killed child: si_pid is the child %d, si_status %s, si_code %s\n", chld_pid == pid,
           signame(chld_status), codename(SIGCHLD, chld_code));
    printf("then waitpid: %s\n", ended(wait_for(pid)));
    sigprocmask(SIG_SETMASK, &old, NULL);
    set_handler(SIGCHLD, SIG_DFL, 0);
}

/* ------------------------------------------------ SA_RESTART, alarm */

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void one_shot(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void restart(void) {
    int fds[2];
    pipe(fds);
    char buf[32] = {0};

    unsigned left = alarm(5);
    unsigned was = alarm(0);
    printf("alarm: %u before, %u left of 5 at once\n", left, was);

    set_handler(SIGALRM, on_count, 0);
    count = 0;
    alarm(1);
    ssize_t n = read(fds[0], buf, sizeof buf);
    printf("read interrupted without SA_RESTART: %s, the handler ran %d\n", result(n), (int)count);

    set_handler(SIGALRM, on_count, SA_RESTART);
    count = 0;
    pid_t pid = fork_quiet();
    if (pid == 0) {
        sleep_ms(700);
        write(fds[1], "late data", 9);
        _exit(0);
    }
    one_shot(200);
    n = read(fds[0], buf, sizeof buf);
    printf("with SA_RESTART: read %s '%s', the handler ran %d\n", result(n), buf, (int)count);
    wait_for(pid);

    /* A sleep is not restarted, SA_RESTART or not. */
    count = 0;
    one_shot(300);
    struct timespec ts = {5, 0}, rem = {0, 0};
    int r = nanosleep(&ts, &rem);
    printf("nanosleep with SA_RESTART: %s, the handler ran %d, time left %d\n", result(r), (int)count,
           rem.tv_sec > 0 && rem.tv_sec < 5);
    close(fds[0]);
    close(fds[1]);
    set_handler(SIGALRM, SIG_DFL, 0);
}

/* ------------------------------------------- setitimer, pause, sigsuspend */

static void timers(void) {
    set_handler(SIGALRM, on_count, 0);
    sigset_t alrm, old;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, &old);
    count = 0;
    struct itimerval it = {{0, 50000}, {0, 50000}}, now;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &now);
    printf("setitimer: interval %ld.%06ld, first within it %d\n", (long)now.it_interval.tv_sec,
           (long)now.it_interval.tv_usec, now.it_value.tv_sec == 0 && now.it_value.tv_usec <= 50000);
    sigset_t none;
    sigemptyset(&none);
    int r = 0, e = 0, calls = 0;
    while (count < 5) {
        r = sigsuspend(&none);
        e = errno;
        calls++;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, &now);
    printf("sigsuspend: %d %s, %d SIGALRMs in %d calls, the timer was still running %d\n", r, errname(e), (int)count,
           calls, now.it_interval.tv_usec == 50000);
    /* A SIGALRM that came since is discarded by SIG_IGN. */
    set_handler(SIGALRM, SIG_IGN, 0);
    printf("pending SIGALRM after SIG_IGN: %d\n", is_pending(SIGALRM));
    set_handler(SIGALRM, on_count, 0);
    getitimer(ITIMER_REAL, &now);
    printf("cancelled: %ld %ld\n", (long)now.it_value.tv_sec, (long)now.it_value.tv_usec);
    printf("the mask is back after sigsuspend: SIGALRM blocked %d\n", blocked(SIGALRM));
    sigprocmask(SIG_SETMASK, &old, NULL);

    count = 0;
    one_shot(300);
    r = pause();
    e = errno;
    printf("pause: %d %s, the handler ran %d\n", r, errname(e), (int)count);
    set_handler(SIGALRM, SIG_DFL, 0);
}

/* ---------------------------------------------------------- errors */

static void errors(void) {
    printf("kill(self, 0): %s\n", result(kill(getpid(), 0)));
    pid_t pid = fork_quiet();
    if (pid == 0)
        _exit(0);
    wait_for(pid);
    printf("kill(reaped child, 0): %s\n", result(kill(pid, 0)));
    printf("kill(self, 65): %s\n", result(kill(getpid(), 65)));
    printf("kill(self, -1): %s\n", result(kill(getpid(), -1)));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_count;
    printf("sigaction(SIGKILL): %s\n", result(sigaction(SIGKILL, &sa, NULL)));
    printf("sigaction(SIGSTOP): %s\n", result(sigaction(SIGSTOP, &sa, NULL)));
    struct sigaction old_kill;
    printf("sigaction(SIGKILL) read only: %s\n", result(sigaction(SIGKILL, NULL, &old_kill)));
    printf("rt_sigaction(0): %s\n", result(syscall(SYS_rt_sigaction, 0, &sa, NULL, 8)));
    printf("rt_sigaction(65): %s\n", result(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8)));
    printf("rt_sigaction(bad act): %s\n", result(syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8)));
    printf("rt_sigaction(bad oldact): %s\n", result(syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)8, 8)));
    printf("rt_sigaction(sigsetsize 4): %s\n", result(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4)));
    printf("rt_sigaction(sigsetsize 16): %s\n", result(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 16)));

    uint64_t set = 0, old = 0;
    printf("rt_sigprocmask(how 7): %s\n", result(syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8)));
    printf("rt_sigprocmask(how 7, no set): %s\n", result(syscall(SYS_rt_sigprocmask, 7, NULL, &old, 8)));
    printf("rt_sigprocmask(sigsetsize 4): %s\n", result(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4)));
    printf("rt_sigprocmask(bad set): %s\n", result(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8)));
    printf("rt_sigprocmask(bad oldset): %s\n", result(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, (void *)8, 8)));
    printf("rt_sigpending(bad set): %s\n", result(syscall(SYS_rt_sigpending, (void *)8, 8)));
    printf("rt_sigsuspend(sigsetsize 4): %s\n", result(syscall(SYS_rt_sigsuspend, &set, 4)));
    printf("setitimer(which 7): %s\n", result(setitimer(7, NULL, NULL)));
}

/* ------------------------------------------ registers across a handler */

static volatile double handler_result;
static volatile int handler_round;

static void on_clobber(int sig) {
    handler_round = fegetround() == FE_TOWARDZERO;
    fesetround(FE_UPWARD);
    double x = sig;
    for (int i = 0; i < 10; i++)
        x = sqrt(x * 3.7 + 1.0 / (i + 1));
    handler_result = x;
    /* Clobber every caller-saved register the compiler might not. */
    asm volatile("fmv.d.x ft0, zero\n\tfmv.d.x ft1, zero\n\tfmv.d.x ft2, zero\n\tfmv.d.x ft3, zero\n\t"
                 "fmv.d.x ft4, zero\n\tfmv.d.x ft5, zero\n\tfmv.d.x ft6, zero\n\tfmv.d.x ft7, zero\n\t"
                 "fmv.d.x fa0, zero\n\tfmv.d.x fa1, zero\n\tfmv.d.x fa2, zero\n\tfmv.d.x fa3, zero\n\t"
                 "fmv.d.x fa4, zero\n\tfmv.d.x fa5, zero\n\tfmv.d.x fa6, zero\n\tfmv.d.x fa7, zero\n\t"
                 "fmv.d.x ft8, zero\n\tfmv.d.x ft9, zero\n\tfmv.d.x ft10, zero\n\tfmv.d.x ft11, zero\n\t"
                 "li t3, 0\n\tli t4, 0\n\tli t5, 0\n\tli t6, 0\n\tli a2, 0\n\tli a3, 0\n\tli a4, 0\n\tli a5, 0"
                 :
                 :
                 : "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fa0", "fa1", "fa2", "fa3", "fa4",
                   "fa5", "fa6", "fa7", "ft8", "ft9", "ft10", "ft11", "t3", "t4", "t5", "t6", "a2", "a3", "a4",
                   "a5");
    /* Raise the inexact flag (the rounding mode is upward here). */
    volatile double third = 1.0 / 3.0;
    handler_result += third;
}

static void registers(void) {
    set_handler(SIGUSR1, on_clobber, 0);
    volatile double a = 1.0 / 3.0, b = M_PI, c = -2.5e-300, d = 1e300;
    double in[4] = {a * 3.0 - 1e-17, b * b, c, d * 7.0};
    double out[4];
    long ints_in[4] = {0x1111111111111111, 0x2222222222222222, -3, 0x7ffffffffffffff4};
    long ints_out[4];
    long pid = getpid();
    fesetround(FE_TOWARDZERO);
    feclearexcept(FE_ALL_EXCEPT);
    /* The values sit in caller-saved registers while kill(2) is made
     * straight from here: the handler runs on its way back. */
    asm volatile("fld ft0, 0(%[in])\n\t"
                 "fld ft5, 8(%[in])\n\t"
                 "fld fa6, 16(%[in])\n\t"
                 "fld ft11, 24(%[in])\n\t"
                 "ld t3, 0(%[ii])\n\t"
                 "ld t6, 8(%[ii])\n\t"
                 "ld a3, 16(%[ii])\n\t"
                 "ld a5, 24(%[ii])\n\t"
                 "mv a0, %[pid]\n\t"
                 "li a1, %[sig]\n\t"
                 "li a7, %[nr]\n\t"
                 "ecall\n\t"
                 "fsd ft0, 0(%[out])\n\t"
                 "fsd ft5, 8(%[out])\n\t"
                 "fsd fa6, 16(%[out])\n\t"
                 "fsd ft11, 24(%[out])\n\t"
                 "sd t3, 0(%[io])\n\t"
                 "sd t6, 8(%[io])\n\t"
                 "sd a3, 16(%[io])\n\t"
                 "sd a5, 24(%[io])"
                 :
                 : [in] "r"(in), [out] "r"(out), [ii] "r"(ints_in), [io] "r"(ints_out), [pid] "r"(pid),
                   [sig] "i"(SIGUSR1), [nr] "i"(SYS_kill)
                 : "memory", "a0", "a1", "a7", "t3", "t6", "a3", "a5", "ft0", "ft5", "fa6", "ft11");
    int round_kept = fegetround() == FE_TOWARDZERO;
    int flags = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    printf("FP registers after the handler: %.17g %.17g %.17g %.17g\n", out[0], out[1], out[2], out[3]);
    printf("the same as before: %d %d %d %d\n", out[0] == in[0], out[1] == in[1], out[2] == in[2],
           out[3] == in[3]);
    printf("integer registers intact: %d %d %d %d\n", ints_out[0] == ints_in[0], ints_out[1] == ints_in[1],
           ints_out[2] == ints_in[2], ints_out[3] == ints_in[3]);
    printf("the handler computed %.17g, under main's rounding mode %d; main's mode kept %d, flags kept clear %d\n",
           handler_result, handler_round, round_kept, flags == 0);
    set_handler(SIGUSR1, SIG_DFL, 0);
}

/* --------------------------------------- linux-only: sa_mask, execve */

/* qemu-user (7.2) is not Linux here: it reads riscv's struct sigaction
 * as if it had an sa_restorer field, which riscv's has not, so that
 * sa_mask is lost; and it cannot run an exec'd riscv program without
 * binfmt_misc. These run on rvsim alone (argument "linux-only"), their
 * output checked against what Linux prints. */
static void sa_mask_in_handlers(void) {
    struct sigaction sa, q;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_look;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGKILL);
    sigaddset(&sa.sa_mask, SIGSTOP);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &q);
    printf("sa_mask read back: SIGUSR2 %d, SIGKILL %d, SIGSTOP %d\n", sigismember(&q.sa_mask, SIGUSR2),
           sigismember(&q.sa_mask, SIGKILL), sigismember(&q.sa_mask, SIGSTOP));
    raise(SIGUSR1);
    printf("in the handler: SIGUSR1 blocked %d, SIGUSR2 (sa_mask) %d, SIGINT %d\n", in_self, in_usr2, in_int);
    printf("after it: SIGUSR1 blocked %d, SIGUSR2 %d\n", blocked(SIGUSR1), blocked(SIGUSR2));
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("with SA_NODEFER: SIGUSR1 blocked %d, SIGUSR2 (sa_mask) %d\n", in_self, in_usr2);
    printf("after it: SIGUSR1 blocked %d, SIGUSR2 %d\n", blocked(SIGUSR1), blocked(SIGUSR2));

    /* With SIGUSR2 in SIGUSR1's sa_mask, a pending SIGUSR2 waits for
     * SIGUSR1's handler to return. */
    sa.sa_handler = on_seq;
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    set_handler(SIGUSR2, on_seq, 0);
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    reset_seq();
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    printf("SIGUSR1 and SIGUSR2 unblocked together, SIGUSR2 in SIGUSR1's sa_mask: %s\n", seq);
    set_handler(SIGUSR1, SIG_DFL, 0);
    set_handler(SIGUSR2, SIG_DFL, 0);
}

/* ---------------------------------------------------------- execve */

static int exec_check(void) {
    struct sigaction q;
    sigaction(SIGUSR1, NULL, &q);
    printf("after exec: SIGUSR1's handler is SIG_DFL %d", q.sa_handler == SIG_DFL);
    sigaction(SIGUSR2, NULL, &q);
    printf(", SIGUSR2 still SIG_IGN %d", q.sa_handler == SIG_IGN);
    printf(", SIGINT still blocked %d, SIGHUP still pending %d, SIGUSR1 blocked %d\n", blocked(SIGINT),
           is_pending(SIGHUP), blocked(SIGUSR1));
    return 0;
}

static void exec_resets_handlers(const char *self) {
    pid_t pid = fork_quiet();
    if (pid == 0) {
        set_handler(SIGUSR1, on_count, 0);
        set_handler(SIGUSR2, SIG_IGN, 0);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        raise(SIGHUP);
        char *argv[] = {(char *)self, "exec-check", NULL};
        execv("/proc/self/exe", argv);
        printf("execv: %s\n", result(-1));
        fflush(stdout);
        _exit(1);
    }
    printf("the exec'd child: %s\n", ended(wait_for(pid)));
}

/* SIGCHLD ignored: children leave no zombies; wait blocks until they have
 * all ended, then fails with ECHILD. */
static void sigchld_ignored(void) {
    signal(SIGCHLD, SIG_IGN);
    fflush(stdout);
    for (int i = 0; i < 3; i++)
        if (fork() == 0) {
            usleep(20000 * (i + 1));
            _exit(3);
        }
    int status;
    int r = wait(&status);
    printf("SIGCHLD ignored: wait after 3 children: %d %s\n", r, errno == ECHILD ? "ECHILD" : "other");
    signal(SIGCHLD, SIG_DFL);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "exec-check") == 0)
        return exec_check();
    if (argc > 1 && strcmp(argv[1], "linux-only") == 0) {
        sa_mask_in_handlers();
        exec_resets_handlers(argv[0]);
        return 0;
    }
    plain_handler();
    siginfo_handler();
    mask_in_handler();
    pending_signals();
    reset_hand();
    ignored_and_default();
    segv();
    sigill();
    sigchld();
    sigchld_ignored();
    restart();
    timers();
    errors();
    registers();
    printf("the mask at the end is empty: %d\n", !blocked(SIGUSR1) && !blocked(SIGUSR2) && !blocked(SIGALRM) &&
                                                     !blocked(SIGCHLD) && !blocked(SIGHUP) && !blocked(SIGINT));
    return 0;
}

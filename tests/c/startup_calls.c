/* The calls glibc's startup makes, and their errors, called directly:
 * what they return must be Linux's (not values that differ between
 * machines by nature, such as the time, the random bytes or the kernel's
 * release). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void report(const char *what, long result) {
    printf("%s: %s\n", what, result < 0 ? strerrorname_np(errno) : "ok");
}

static char page[8192] __attribute__((aligned(4096)));

int main(void) {
    struct utsname u;
    report("uname", uname(&u));
    printf("uname: %s %s\n", u.sysname, u.machine);
    report("uname(bad pointer)", syscall(SYS_uname, (void *)8));

    report("set_tid_address", syscall(SYS_set_tid_address, NULL) > 0 ? 0 : -1);
    /* set_robust_list with a bad size is EINVAL on Linux, but qemu-user
     * answers ENOSYS to every set_robust_list: not compared here. */

    struct rlimit r;
    report("getrlimit(STACK)", getrlimit(RLIMIT_STACK, &r));
    report("getrlimit(99)", getrlimit(99, &r));
    struct rlimit wrong = {.rlim_cur = 10, .rlim_max = 5};
    report("setrlimit(cur > max)", setrlimit(RLIMIT_NOFILE, &wrong));
    report("prlimit64(bad old)", syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, (void *)8));

    struct timespec a, b;
    report("clock_gettime(MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &a));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic: %s\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec) ? "ok" : "went back");
    report("clock_gettime(99)", syscall(SYS_clock_gettime, 99, &a));
    report("clock_gettime(bad pointer)", syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)8));
    report("clock_getres(NULL)", clock_getres(CLOCK_MONOTONIC, NULL));

    char buf[64];
    printf("getrandom: %ld\n", (long)syscall(SYS_getrandom, buf, sizeof buf, 0));
    report("getrandom(bad flags)", syscall(SYS_getrandom, buf, sizeof buf, 0x80));
    report("getrandom(bad buffer)", syscall(SYS_getrandom, (void *)8, 16, 0));

    /* rvsim's console is a terminal (stdout line-buffered), qemu-user's a
     * pipe here (fully buffered): flush so that both print in order. */
    fflush(stdout);
    struct iovec iov[2] = {{"write", 5}, {"v works\n", 8}};
    printf("writev: %ld\n", (long)writev(1, iov, 2));
    fflush(stdout);
    report("writev(bad iov)", syscall(SYS_writev, 1, (void *)8, 2));
    report("writev(too many)", syscall(SYS_writev, 1, iov, 5000));

    report("readlinkat(no link)", readlinkat(AT_FDCWD, "/nonexistent", buf, sizeof buf));
    report("readlinkat(bad path)", syscall(SYS_readlinkat, AT_FDCWD, (void *)8, buf, sizeof buf));

    page[0] = 1;
    page[4096] = 2;
    report("mprotect(read)", mprotect(page, 4096, PROT_READ));
    report("mprotect(misaligned)", mprotect(page + 1, 4096, PROT_READ));
    report("mprotect(bad flags)", mprotect(page, 4096, 0x100000));
    report("mprotect(read write)", mprotect(page, 4096, PROT_READ | PROT_WRITE));
    page[0] = 3;
    printf("page: %d %d\n", page[0], page[4096]);
    return 0;
}

/* What a process learns of itself and the machine: umask (inherited by
 * fork), tkill and tgkill, the CPU affinity (one hart), sysinfo. Run on
 * rvsim only: under qemu-user these are the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    mode_t old = umask(027);
    printf("umask: was %03o, now %03o\n", old, umask(027));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(umask(0) == 027 ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    printf("the child's umask was the parent's: %s\n", WEXITSTATUS(status) == 0 ? "yes" : "no");
    long r = syscall(SYS_tgkill, getpid(), getpid() + 1, 0);
    printf("tgkill of another group's thread: %ld %s\n", r, strerrorname_np(errno));
    r = syscall(SYS_tgkill, getpid(), getpid(), 0);
    printf("tgkill of itself with signal 0: %ld\n", r);
    r = syscall(SYS_tkill, -1, 0);
    printf("tkill(-1): %ld %s\n", r, strerrorname_np(errno));
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    printf("CPUs: %d, CPU 0: %s, nprocs: %d\n", CPU_COUNT(&set), CPU_ISSET(0, &set) ? "yes" : "no", get_nprocs());
    struct sysinfo info;
    sysinfo(&info);
    printf("sysinfo: unit %u, memory %s, free below total: %s, processes %u\n", info.mem_unit,
           info.totalram * info.mem_unit >= 100u << 20 ? "at least 100 MiB" : "less",
           info.freeram < info.totalram ? "yes" : "no", info.procs);
    return 0;
}

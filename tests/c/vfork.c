/* vfork and posix_spawn (glibc: clone with CLONE_VM|CLONE_VFORK): the
 * parent waits until the child execs or exits, and gets its status. The
 * child execs this program again through /proc/self/exe. Run on rvsim
 * only: qemu-user cannot exec a riscv64 program here (no binfmt_misc). */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc > 1) {
        printf("child says: %s\n", argv[1]);
        return 9;
    }
    int status;
    pid_t pid = vfork();
    if (pid == 0)
        _exit(5);
    waitpid(pid, &status, 0);
    printf("vfork then _exit: status %d\n", WEXITSTATUS(status));
    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        execl("/proc/self/exe", "vfork", "exec'd after vfork", (char *)0);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    printf("vfork then exec: status %d\n", WEXITSTATUS(status));
    fflush(stdout);
    char *args[] = {"vfork", "spawned", 0};
    int r = posix_spawn(&pid, "/proc/self/exe", 0, 0, args, environ);
    waitpid(pid, &status, 0);
    printf("posix_spawn: %d, status %d\n", r, WEXITSTATUS(status));
    return 0;
}

/* fork through glibc (clone with the thread-id flags), copy-on-write
 * memory seen from both sides, and waitpid's status. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int shared = 5;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        shared = 9;
        printf("child: shared = %d, my parent is %s\n", shared, getppid() > 0 ? "known" : "unknown");
        fflush(stdout);
        _exit(3);
    }
    int status;
    pid_t waited = waitpid(pid, &status, 0);
    printf("parent: waited for the child: %s, it exited with %d, shared = %d\n", waited == pid ? "yes" : "no",
           WEXITSTATUS(status), shared);
    return 0;
}

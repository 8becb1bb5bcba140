/* A pipe between a parent and its child through glibc: a message, then a
 * megabyte that has to wait for room in the pipe, then the end of file
 * once the writer has closed its end; a write after the reader has gone
 * kills the writer with SIGPIPE. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char block[4096];

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    struct stat st;
    fstat(fds[0], &st);
    printf("a FIFO: %s\n", S_ISFIFO(st.st_mode) ? "yes" : "no");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char *hello = "hello through a pipe\n";
        write(fds[1], hello, strlen(hello));
        memset(block, 'x', sizeof block);
        for (int i = 0; i < 256; i++)
            write(fds[1], block, sizeof block);
        _exit(0);
    }
    close(fds[1]);
    char line[32] = {0};
    ssize_t n = read(fds[0], line, 21);
    printf("read %zd: %s", n, line);
    long total = 0, got;
    char buf[3000];
    while ((got = read(fds[0], buf, sizeof buf)) > 0)
        total += got;
    int status;
    waitpid(pid, &status, 0);
    printf("then %ld bytes, and the end: %ld; the child exited with %d\n", total, got, WEXITSTATUS(status));

    int again[2];
    pipe(again);
    close(again[0]);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        write(again[1], "x", 1);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("a write with no reader: %s\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE ? "SIGPIPE" : "no signal");
    return 0;
}

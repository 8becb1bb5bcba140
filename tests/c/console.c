/* The console as a program sees it on a serial terminal: a character
 * device that is a tty of 80 by 24 in canonical mode with echo, fstat
 * through both calls, other ioctls ENOTTY; the ids of a process running
 * as root; the environment the first process gets. Run on rvsim only:
 * under qemu-user in a test, standard output is a pipe and the ids and
 * environment are the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int main(void) {
    struct stat a, b;
    int fa = fstat(1, &a), fb = fstatat(1, "", &b, AT_EMPTY_PATH);
    printf("fstat: %d %d, character device: %s, same: %s\n", fa, fb, S_ISCHR(a.st_mode) ? "yes" : "no",
           a.st_mode == b.st_mode && a.st_rdev == b.st_rdev ? "yes" : "no");
    printf("isatty: %d %d %d\n", isatty(0), isatty(1), isatty(2));
    struct winsize w;
    int r = ioctl(1, TIOCGWINSZ, &w);
    printf("winsize: %d, %d columns, %d rows\n", r, w.ws_col, w.ws_row);
    struct termios t;
    tcgetattr(0, &t);
    printf("canonical: %s, echo: %s\n", t.c_lflag & ICANON ? "yes" : "no", t.c_lflag & ECHO ? "yes" : "no");
    r = ioctl(1, 0x1234, 0);
    printf("unknown ioctl: %d %s\n", r, strerrorname_np(errno));
    r = fstat(7, &a);
    printf("fstat(7): %d %s\n", r, strerrorname_np(errno));
    printf("ids: %d %d %d %d, tid is pid: %s\n", getuid(), geteuid(), getgid(), getegid(),
           syscall(SYS_gettid) == getpid() ? "yes" : "no");
    printf("PATH=%s HOME=%s TERM=%s\n", getenv("PATH"), getenv("HOME"), getenv("TERM"));
    return 0;
}

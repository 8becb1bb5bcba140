/* Calls the kernel does not implement (ENOSYS, named once each under
 * --kernel-log syscalls), and set_robust_list's size check, which
 * qemu-user does not make. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 2; i++) {
        long r = syscall(1023);
        printf("syscall 1023: %ld %s\n", r, strerrorname_np(errno));
    }
    long r = syscall(SYS_set_robust_list, NULL, 3);
    printf("set_robust_list(bad size): %ld %s\n", r, strerrorname_np(errno));
    return 0;
}

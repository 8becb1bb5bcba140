/* mmap, munmap, mprotect and madvise as Linux gives them: private and
 * shared anonymous memory across fork, MAP_FIXED and MAP_FIXED_NOREPLACE,
 * holes and PROT_NONE that kill a child with SIGSEGV, MADV_DONTNEED, a
 * large reservation, glibc's mmap-backed malloc, and the errors.
 * With the argument "linux-only" it prints instead the answers where
 * qemu-user differs from Linux (it treats MAP_FIXED_NOREPLACE as a hint,
 * and accepts any madvise). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096L

static const char *err(long r) {
    if (r != -1)
        return "ok";
    switch (errno) {
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EEXIST: return "EEXIST";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return strerror(errno);
    }
}

/* What became of a child that touched `p` (writing if `write`). */
static const char *touch_in_child(volatile char *p, int write) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (write)
            *p = 1;
        else
            (void)*p;
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        return WTERMSIG(status) == SIGSEGV ? "killed by SIGSEGV" : "killed by another signal";
    return "exited";
}

static long sum(const unsigned char *p, long n) {
    long s = 0;
    for (long i = 0; i < n; i++)
        s += p[i];
    return s;
}

static void private_and_holes(void) {
    unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("private: mapped %s, page aligned %d, zero-filled %d\n", p == MAP_FAILED ? "no" : "yes",
           ((long)p % PAGE) == 0, sum(p, 3 * PAGE) == 0);
    memset(p, 7, 3 * PAGE);
    printf("munmap(middle page): %s\n", err(munmap(p + PAGE, PAGE)));
    printf("the first and last pages keep their bytes: %d %d\n", p[0], p[2 * PAGE + 5]);
    printf("a read of the hole: %s\n", touch_in_child((char *)p + PAGE, 0));
    printf("munmap(hole again): %s\n", err(munmap(p + PAGE, PAGE)));
    munmap(p, 3 * PAGE);
}

static void shared_across_fork(void) {
    int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *private = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *shared = 1;
    *private = 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++)
            __atomic_fetch_add(shared, 1, __ATOMIC_SEQ_CST);
        *private = 99;
        _exit(0);
    }
    for (int i = 0; i < 1000; i++)
        __atomic_fetch_add(shared, 1, __ATOMIC_SEQ_CST);
    waitpid(pid, NULL, 0);
    printf("after fork: shared counter %d, private word %d\n", *shared, *private);
    int fd = open("/dev/zero", O_RDWR);
    int *zero = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    fflush(stdout);
    if (fork() == 0) {
        zero[10] = 42;
        _exit(0);
    }
    wait(NULL);
    printf("shared /dev/zero: the child's write is seen: %d\n", zero[10]);
    munmap(shared, PAGE);
    munmap(private, PAGE);
    munmap(zero, PAGE);
}

static void fixed(void) {
    char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'x', 4 * PAGE);
    char *q = mmap(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED: at the address %d, replaced pages are zero %d, the rest kept '%c' '%c'\n", q == p + PAGE,
           q[0] == 0 && q[2 * PAGE - 1] == 0, p[PAGE - 1], p[3 * PAGE]);
    void *r = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over a mapping: it is not replaced: %d\n", r != p && p[0] == 'x');
    if (r != MAP_FAILED && r != p)
        munmap(r, PAGE);
    munmap(p, 4 * PAGE);
    r = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE on a free range: at the address %d\n", r == p);
    munmap(p, PAGE);
}

static void protections(void) {
    /* A 256 MiB reservation costs nothing until pages are made usable. */
    char *big = mmap(NULL, 256L << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("PROT_NONE reservation of 256 MiB: %s\n", big == MAP_FAILED ? "failed" : "ok");
    printf("a read there: %s\n", touch_in_child(big + (100L << 20), 0));
    printf("mprotect(one page, read-write): %s\n", err(mprotect(big + (100L << 20), PAGE, PROT_READ | PROT_WRITE)));
    big[(100L << 20) + 17] = 5;
    printf("the page works: %d, its neighbour: %s\n", big[(100L << 20) + 17], touch_in_child(big + (101L << 20), 1));
    munmap(big, 256L << 20);
    char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("read-only page reads %d; a write: %s\n", ro[0], touch_in_child(ro, 1));
    munmap(ro, PAGE);
}

static void advice(void) {
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(p, 3, 2 * PAGE);
    memset(s, 4, PAGE);
    printf("MADV_DONTNEED: %s %s\n", err(madvise(p, 2 * PAGE, MADV_DONTNEED)), err(madvise(s, PAGE, MADV_DONTNEED)));
    printf("private pages come back zero: %d, shared ones keep their bytes: %d\n", sum((unsigned char *)p, 2 * PAGE) == 0,
           s[100]);
    printf("MADV_WILLNEED: %s\n", err(madvise(p, PAGE, MADV_WILLNEED)));
    munmap(p, 2 * PAGE);
    munmap(s, PAGE);
}

static void big_malloc(void) {
    /* glibc's malloc serves large blocks with mmap and frees them with
     * munmap. */
    size_t n = 4 << 20;
    unsigned char *b = malloc(n);
    for (size_t i = 0; i < n; i += 512)
        b[i] = (unsigned char)(i >> 9);
    long s = 0;
    for (size_t i = 0; i < n; i += 512)
        s += b[i];
    free(b);
    printf("a 4 MiB malloc: sum %ld\n", s);
}

static void errors(void) {
    printf("length 0: %s\n", err((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    printf("neither private nor shared: %s\n", err((long)mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0)));
    printf("misaligned MAP_FIXED: %s\n",
           err((long)mmap((void *)0x10000001, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
    printf("bad descriptor: %s\n", err((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 77, 0)));
    printf("misaligned offset: %s\n", err((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 0, 100)));
    printf("munmap(misaligned): %s, munmap(length 0): %s\n", err(munmap((void *)0x10001, PAGE)),
           err(munmap((void *)0x10000, 0)));
}

/* Linux's answers that qemu-user does not give. */
static void linux_only(void) {
    char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *r = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over a mapping: %s\n", err(r == MAP_FAILED ? -1 : 0));
    printf("unknown advice: %s\n", err(madvise(p, PAGE, 999)));
    printf("madvise(unmapped): %s\n", err(madvise((void *)0x1000, PAGE, MADV_DONTNEED)));
    printf("unknown flag, validated: %s\n",
           err((long)mmap(NULL, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x2000000, -1, 0)));
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "linux-only") == 0) {
        linux_only();
        return 0;
    }
    private_and_holes();
    shared_across_fork();
    fixed();
    protections();
    advice();
    big_malloc();
    errors();
    return 0;
}

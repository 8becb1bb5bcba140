/* The initrd as a read-only file system, through glibc: open, read,
 * fstat, lseek, pread, dup, fcntl, the refusals (EBADF, EROFS, ENOENT),
 * /dev/zero and /dev/null, a directory listing, chdir, getcwd and access,
 * and mmap of a file (whole, from an offset, written privately, refused
 * shared-writable).
 * Run on rvsim only (qemu-user would see the host's files). The program is
 * /files in the initrd. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
    const char *self = argc > 1 ? argv[1] : "/files";

    int fd = open(self, O_RDONLY | O_CLOEXEC);
    char elf[4];
    printf("open: %s, read: %zd, ELF magic: %s\n", fd >= 0 ? "ok" : strerrorname_np(errno), read(fd, elf, 4), memcmp(elf, "\177ELF", 4) == 0 ? "yes" : "no");
    struct stat st;
    fstat(fd, &st);
    printf("regular: %s, size matches lseek end: %s\n", S_ISREG(st.st_mode) ? "yes" : "no", lseek(fd, 0, SEEK_END) == st.st_size ? "yes" : "no");
    char b;
    printf("pread at 1: %zd '%c', fd flags: %d\n", pread(fd, &b, 1, 1), b, fcntl(fd, F_GETFD));
    int d = dup(fd);
    printf("dup shares the offset: %s\n", lseek(d, 0, SEEK_CUR) == st.st_size ? "yes" : "no");
    printf("write to it: %zd %s\n", write(fd, "x", 1), strerrorname_np(errno));
    printf("open for writing: %d %s\n", open(self, O_WRONLY), strerrorname_np(errno));
    printf("create: %d %s\n", open("/newfile", O_CREAT | O_WRONLY, 0644), strerrorname_np(errno));
    printf("missing: %d %s\n", open("/nosuch", O_RDONLY), strerrorname_np(errno));
    int z = open("/dev/zero", O_RDONLY), n = open("/dev/null", O_RDWR);
    char zeros[8] = "xxxxxxx";
    printf("/dev/zero: %zd %d, /dev/null: read %zd write %zd\n", read(z, zeros, 8), zeros[3], read(n, zeros, 8), write(n, "abc", 3));
    DIR *dev = opendir("/dev");
    struct dirent *e;
    printf("/dev:");
    while ((e = readdir(dev)))
        printf(" %s", e->d_name);
    printf("\n");
    char *copy = malloc(st.st_size);
    pread(fd, copy, st.st_size, 0);
    char *m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap: the file's bytes: %s, ", m != MAP_FAILED && memcmp(m, copy, st.st_size) == 0 ? "yes" : "no");
    printf("past its end in the last page: %s\n", m[st.st_size] == 0 && m[(st.st_size | 4095)] == 0 ? "zero" : "not zero");
    char *w = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
    printf("from offset 4096: %s, ", w != MAP_FAILED && memcmp(w, copy + 4096, 8192) == 0 ? "yes" : "no");
    w[0] = 'Z';
    char again;
    pread(fd, &again, 1, 4096);
    printf("a private write stays private: %s\n", w[0] == 'Z' && again == copy[4096] ? "yes" : "no");
    void *sw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("shared and writable: %s %s\n", sw == MAP_FAILED ? "refused" : "mapped", strerrorname_np(errno));
    int pipefd[2];
    pipe(pipefd);
    void *pm = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pipefd[0], 0);
    printf("a pipe: %s %s\n", pm == MAP_FAILED ? "refused" : "mapped", strerrorname_np(errno));
    munmap(m, st.st_size);
    munmap(w, 8192);
    struct statx sx;
    int sr = statx(AT_FDCWD, self, 0, STATX_BASIC_STATS, &sx);
    printf("statx: %d, size matches: %s, regular: %s\n", sr, (off_t)sx.stx_size == st.st_size ? "yes" : "no", S_ISREG(sx.stx_mode) ? "yes" : "no");
    struct stat byname;
    printf("stat by name: %d, same inode: %s\n", stat(self, &byname), byname.st_ino == st.st_ino ? "yes" : "no");
    char cwd[64];
    chdir("/dev");
    printf("cwd: %s, null from here: %s\n", getcwd(cwd, sizeof cwd), access("null", F_OK) == 0 ? "yes" : "no");
    printf("chdir to a file: %d %s\n", chdir("/files"), strerrorname_np(errno));
    return 0;
}

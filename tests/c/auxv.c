/* The auxiliary vector a static program starts with: the same numbers as
 * Linux gives (the hardware capabilities IMAFDC, the program headers, the
 * page size, the clock rate), and a program header table where AT_PHDR
 * says, whose first entry glibc can read. */
#include <elf.h>
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
    printf("hwcap %#lx, phent %lu, phnum %lu, pagesz %lu, clktck %lu, secure %lu\n", getauxval(AT_HWCAP),
           getauxval(AT_PHENT), getauxval(AT_PHNUM), getauxval(AT_PAGESZ), getauxval(AT_CLKTCK),
           getauxval(AT_SECURE));
    const Elf64_Phdr *phdr = (const Elf64_Phdr *)getauxval(AT_PHDR);
    printf("AT_PHDR points at program headers: %s\n", phdr && phdr[0].p_type != 0 ? "yes" : "no");
    printf("AT_RANDOM is set: %s, AT_EXECFN is set: %s\n", getauxval(AT_RANDOM) ? "yes" : "no",
           getauxval(AT_EXECFN) ? "yes" : "no");
    return 0;
}

# Virtual-memory test support: build Sv39 page tables at run time in a
# fixed pool, open PMP, enable translation, enter S- or U-mode.
#
# The page-table pool is at PT_BASE (physical); its first page is the root.
# All routines run in M-mode (translation off), follow the standard calling
# convention and clobber only t0-t5 and a0-a5.

.equ PT_BASE,   0x81000000
.equ PT_PAGES,  64
.equ PTE_V, 0x01
.equ PTE_R, 0x02
.equ PTE_W, 0x04
.equ PTE_X, 0x08
.equ PTE_U, 0x10
.equ PTE_G, 0x20
.equ PTE_A, 0x40
.equ PTE_D, 0x80
.equ SATP_SV39, (8 << 60)
.equ MSTATUS_MPP, (3 << 11)
.equ MSTATUS_SUM, (1 << 18)
.equ MSTATUS_MXR, (1 << 19)
.equ MSTATUS_MPRV, (1 << 17)

# Opens all physical memory to S and U: pmpaddr0 covers everything (TOR),
# RWX, as xv6 does. Without it S/U accesses are denied.
.macro PMP_OPEN
    li t0, -1
    srli t0, t0, 10
    csrw pmpaddr0, t0
    li t0, 0x0f
    csrw pmpcfg0, t0
.endm

# mret into S-mode (or U-mode) at \label.
.macro ENTER_S label
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, (1 << 11)
    csrs mstatus, t0
    la t0, \label
    csrw mepc, t0
    mret
.endm

.macro ENTER_U label
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    la t0, \label
    csrw mepc, t0
    mret
.endm

# In S- or U-mode, mtvec stays check_trap (set by VM_SETUP): the next
# instruction must trap to M-mode with mcause \cause, mtval \tval and
# mepc pointing at it; execution resumes after VM_TRAP_DONE, in the mode
# that trapped. A trap where none is expected fails.
.macro VM_EXPECT_TRAP num, cause, tval
    li gp, \num
    li s10, \cause
    li s11, \tval
    la s9, 8f
    la s8, 7f
8:
.endm

# The same, with the expected mtval in a register.
.macro VM_EXPECT_TRAP_R num, cause, treg
    li gp, \num
    li s10, \cause
    mv s11, \treg
    la s9, 8f
    la s8, 7f
8:
.endm

# The same for a fetch fault: mepc = mtval = the address in \treg.
.macro VM_EXPECT_FETCH_FAULT num, cause, treg
    li gp, \num
    li s10, \cause
    mv s11, \treg
    mv s9, \treg
    la s8, 7f
.endm

.macro VM_TRAP_DONE
    j fail
7:
.endm

# M-mode: opens PMP, clears the page-table pool, maps the identity
# mappings (VM_MAP_IDENTITY) into the first root, sets mtvec to check_trap.
.macro VM_SETUP flags
    PMP_OPEN
    call vm_reset
    VM_MAP_IDENTITY \flags
    la t0, check_trap
    csrw mtvec, t0
.endm

# Maps, in the current root, the test image (the first 2 MiB of RAM) and
# the page-table pool (the 2 MiB block at PT_BASE) identity-mapped with
# \flags (the pool without X), and the devices (the first GiB of the
# address space) readable and writable, plus U if \flags has U.
.macro VM_MAP_IDENTITY flags
    li a0, 0x80000000
    li a1, 0x80000000
    li a2, \flags
    li a3, 1
    call vm_map
    li a0, PT_BASE
    li a1, PT_BASE
    li a2, (\flags) & ~PTE_X
    li a3, 1
    call vm_map
    li a0, 0
    li a1, 0
    li a2, PTE_R | PTE_W | PTE_A | PTE_D | ((\flags) & PTE_U)
    li a3, 2
    call vm_map
.endm

# satp = Sv39 | asid \asid | current root, then sfence.vma.
.macro VM_ENABLE asid
    li a0, \asid
    call vm_enable
.endm

.text
# Clears the pool; the current root is its first page.
vm_reset:
    li t0, PT_BASE
    li t1, PT_BASE + PT_PAGES * 4096
1:  sd zero, 0(t0)
    addi t0, t0, 8
    bltu t0, t1, 1b
    la t0, vm_next_table
    li t1, PT_BASE + 4096
    sd t1, 0(t0)
    la t0, vm_root
    li t1, PT_BASE
    sd t1, 0(t0)
    ret

# Starts a new, empty address space: allocates a root table from the pool
# and makes it current. Returns its physical address in a0.
vm_new_root:
    la t0, vm_next_table
    ld a0, 0(t0)
    li t1, 4096
    add t1, a0, t1
    sd t1, 0(t0)
    la t0, vm_root
    sd a0, 0(t0)
    ret

# a0 = root table address: makes it current.
vm_use_root:
    la t0, vm_root
    sd a0, 0(t0)
    ret

# a0 = va, a1 = pa, a2 = PTE flags (V is added), a3 = leaf level
# (0: 4 KiB, 1: 2 MiB, 2: 1 GiB). Builds missing intermediate tables.
vm_map:
    srli a1, a1, 12
    slli a1, a1, 10
    or a1, a1, a2
    ori a1, a1, PTE_V
    # fall through with a1 = the PTE

# a0 = va, a1 = complete leaf PTE value, a3 = leaf level.
vm_set_pte:
    mv a4, a1
    mv a5, ra
    call vm_pte_address
    sd a4, 0(a0)
    mv ra, a5
    ret

# a0 = va, a3 = level: returns in a0 the address of the PTE that maps va
# at that level, creating intermediate tables on the way.
vm_pte_address:
    la t0, vm_root
    ld t0, 0(t0)
    li t1, 2
1:  # t2 = index of va at level t1
    li t2, 9
    mul t2, t2, t1
    addi t2, t2, 12
    srl t2, a0, t2
    andi t2, t2, 511
    slli t2, t2, 3
    add t2, t0, t2
    beq t1, a3, 3f
    ld t3, 0(t2)
    andi t4, t3, PTE_V
    bnez t4, 2f
    # allocate the next table page
    la t4, vm_next_table
    ld t5, 0(t4)
    addi t3, t5, 0
    li t0, 4096
    add t5, t5, t0
    sd t5, 0(t4)
    srli t3, t3, 12
    slli t3, t3, 10
    ori t3, t3, PTE_V
    sd t3, 0(t2)
2:  srli t0, t3, 10
    slli t0, t0, 12
    addi t1, t1, -1
    j 1b
3:  mv a0, t2
    ret

# a0 = asid: satp = Sv39 | asid | current root; sfence.vma.
vm_enable:
    mv a1, a0
    la t0, vm_root
    ld a0, 0(t0)
    srli a0, a0, 12
    slli a1, a1, 44
    or a0, a0, a1
    li t0, SATP_SV39
    or a0, a0, t0
    csrw satp, a0
    sfence.vma
    ret

# a0 = root table address, a1 = asid: returns in a0 the satp value that
# selects them (for tests that switch address spaces themselves).
vm_satp:
    srli a0, a0, 12
    slli a1, a1, 44
    or a0, a0, a1
    li t0, SATP_SV39
    or a0, a0, t0
    ret

.data
.balign 8
vm_next_table: .dword 0
vm_root: .dword 0
.text

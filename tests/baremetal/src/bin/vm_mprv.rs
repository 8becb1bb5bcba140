//! mstatus.MPRV: M-mode loads/stores translated and checked at privilege MPP (S or U, with SUM and MXR), fetches never; faults trap with mepc at the M-mode instruction; a trap into M and mret back to M leave MPRV set.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ VBASE, 0x40000000
.equ PHYS, 0x80400000       # RAM outside the image, also mapped elsewhere
.equ AAAA, 0xaaaaaaaaaaaaaaaa
.equ BBBB, 0xbbbbbbbbbbbbbbbb

.macro MAP va, frame, flags
    li a0, \va
    la a1, \frame
    li a2, \flags | PTE_A | PTE_D
    li a3, 0
    call vm_map
.endm

# mstatus.MPP = \mode (0 U, 1 S, 3 M), with no memory access in between.
.macro SET_MPP mode
    li t1, MSTATUS_MPP
    csrc mstatus, t1
    li t1, (\mode) << 11
    csrs mstatus, t1
.endm

# Fails unless mstatus & \mask == \value.
.macro CHECK_MSTATUS num, mask, value
    csrr a0, mstatus
    li t1, \mask
    and a0, a0, t1
    CHECK \num, a0, \value
.endm

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    # Physical PHYS: code (addi a0, x0, 77; ret) and data 0x1111.
    li a1, PHYS
    li a0, 0x0000806704d00513
    sd a0, 0(a1)
    li a0, 0x1111
    sd a0, 8(a1)
    fence.i
    # Virtual PHYS is another page: frame_a (addi a0, x0, 55; ret; AAAA...).
    MAP PHYS, frame_a, PTE_R | PTE_W | PTE_X
    MAP VBASE + 0x0000, frame_a, PTE_R | PTE_W
    MAP VBASE + 0x1000, frame_a, PTE_R
    MAP VBASE + 0x2000, frame_b, PTE_R | PTE_W | PTE_U
    MAP VBASE + 0x3000, frame_b, PTE_R | PTE_U
    MAP VBASE + 0x4000, frame_a, PTE_X
    VM_ENABLE 0
    li t1, MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPRV
    csrc mstatus, t1

    # MPRV=0: M-mode ignores satp.
    li a1, PHYS
    ld a0, 8(a1)
    CHECK 1, a0, 0x1111

    # MPRV=1, MPP=S: loads and stores are translated as S-mode's.
    SET_MPP 1
    li t1, MSTATUS_MPRV
    csrs mstatus, t1
    li a1, PHYS
    ld a0, 8(a1)
    CHECK 2, a0, AAAA
    li a1, VBASE
    ld a0, 8(a1)
    CHECK 3, a0, AAAA
    li a0, 0x2222
    sd a0, 16(a1)
    li a2, VBASE + 0x1000
    ld a0, 16(a2)
    CHECK 4, a0, 0x2222
    # A store to a read-only page: store page fault, mepc = this M-mode
    # instruction, mtval = the virtual address.
    li a0, 0x5555
    EXPECT_TRAP 5, 15, VBASE + 0x1010
    sd a0, 16(a2)
    TRAP_DONE
    # The trap (from M, so MPP = M) and mret (back to M) keep MPRV = 1;
    # mret leaves MPP = U.
    CHECK_MSTATUS 6, MSTATUS_MPRV | MSTATUS_MPP, MSTATUS_MPRV
    SET_MPP 1
    li a1, VBASE
    ld a0, 16(a1)
    CHECK 7, a0, 0x2222
    # Fetches are not translated: virtual PHYS holds `addi a0, x0, 55`,
    # physical PHYS `addi a0, x0, 77`.
    li a1, PHYS
    li a0, 0
    jalr ra, 0(a1)
    CHECK 8, a0, 77

    # MPP=U: U pages only.
    SET_MPP 0
    li a1, VBASE + 0x2000
    ld a0, 8(a1)
    CHECK 9, a0, BBBB
    li a0, 0x3333
    sd a0, 16(a1)
    li a2, VBASE + 0x3000
    ld a0, 16(a2)
    CHECK 10, a0, 0x3333
    li a1, VBASE
    EXPECT_TRAP 11, 13, VBASE + 8
    ld a0, 8(a1)
    TRAP_DONE
    SET_MPP 0
    li a1, VBASE + 0x3000
    EXPECT_TRAP 12, 15, VBASE + 0x3010
    sd a0, 16(a1)
    TRAP_DONE
    SET_MPP 0
    li a1, VBASE
    EXPECT_TRAP 13, 15, VBASE + 0x10
    sd a0, 16(a1)
    TRAP_DONE
    # This code (not a U page) keeps running; fetches stay physical.
    SET_MPP 0
    li a1, PHYS
    li a0, 0
    jalr ra, 0(a1)
    CHECK 14, a0, 77

    # MPP=S and SUM.
    SET_MPP 1
    li a1, VBASE + 0x2000
    EXPECT_TRAP 15, 13, VBASE + 0x2008
    ld a0, 8(a1)
    TRAP_DONE
    SET_MPP 1
    li t1, MSTATUS_SUM
    csrs mstatus, t1
    li a1, VBASE + 0x2000
    ld a0, 8(a1)
    CHECK 16, a0, BBBB
    li a0, 0x4444
    sd a0, 16(a1)
    li a2, VBASE + 0x3000
    ld a0, 16(a2)
    CHECK 17, a0, 0x4444
    li t1, MSTATUS_SUM
    csrc mstatus, t1

    # MPP=S and MXR.
    li a1, VBASE + 0x4000
    EXPECT_TRAP 18, 13, VBASE + 0x4008
    ld a0, 8(a1)
    TRAP_DONE
    SET_MPP 1
    li t1, MSTATUS_MXR
    csrs mstatus, t1
    li a1, VBASE + 0x4000
    ld a0, 8(a1)
    CHECK 19, a0, AAAA
    li t1, MSTATUS_MXR
    csrc mstatus, t1

    # MPP=M: no translation even with MPRV=1.
    SET_MPP 3
    li a1, PHYS
    ld a0, 8(a1)
    CHECK 20, a0, 0x1111

    # MPRV=0: the stores went to the frames.
    li t1, MSTATUS_MPRV
    csrc mstatus, t1
    la a1, frame_a
    ld a0, 16(a1)
    CHECK 21, a0, 0x2222
    la a1, frame_b
    ld a0, 16(a1)
    CHECK 22, a0, 0x4444

    # mret to M keeps MPRV (and leaves MPP = U). (mret and sret to S/U
    # clear MPRV: vm_mprv_xret_rvsim_only.)
    li t1, MSTATUS_MPRV
    csrs mstatus, t1
    SET_MPP 3
    la t1, 1f
    csrw mepc, t1
    mret
1:  CHECK_MSTATUS 23, MSTATUS_MPRV | MSTATUS_MPP, MSTATUS_MPRV
    li t1, MSTATUS_MPRV
    csrc mstatus, t1

.data
.balign 4096
frame_a:
    .4byte 0x03700513       # addi a0, x0, 55
    .4byte 0x00008067       # ret
    .rept 511
    .dword AAAA
    .endr
frame_b:
    .rept 512
    .dword BBBB
    .endr
.text
"#
);

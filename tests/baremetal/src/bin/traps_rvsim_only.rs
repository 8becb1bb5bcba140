//! Exceptions QEMU 7.2 cannot check: it reports AMO access faults as load faults (cause 5, the spec says 7) aborts on a fetch that faults in the second half of an instruction, and partly performs a misaligned store whose second half faults (allowed; rvsim checks both halves first and writes nothing).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# EXPECT_TRAP with the expected mtval in register \treg.
.macro EXPECT_TRAP_R num, cause, treg
    li gp, \num
    li s10, \cause
    mv s11, \treg
    la s9, 8f
    la s8, 7f
    la t0, check_trap
    csrw mtvec, t0
8:
.endm

    # --- AMO access faults are store/AMO access faults (cause 7) ---
    li a1, 0x90000000
    EXPECT_TRAP 1, 7, 0x90000000
    amoswap.w a0, a2, (a1)
    TRAP_DONE
    li a2, 0
    EXPECT_TRAP 2, 7, 0
    amoadd.d a0, a1, (a2)
    TRAP_DONE
    EXPECT_TRAP 3, 7, 0x90000000
    amoor.d a0, a2, (a1)
    TRAP_DONE

    # --- a 32-bit instruction whose second half lies past the end of RAM
    # (128 MiB): mepc = its start, mtval = the address of the part that
    # faulted (privileged spec, "Machine Trap Value Register") ---
    li a1, 0x87fffffe
    li a2, 0x0013
    sh a2, 0(a1)
    fence.i
    EXPECT_TRAP_AT 10, 1, 0x88000000, 0x87fffffe
    jr a1
    TRAP_DONE

    # --- a misaligned store running off the end of RAM faults with
    # nothing written ---
    li s3, 0x87fffff8
    li a1, 0x1111111111111111
    sd a1, 0(s3)
    li a2, 0x2222222222222222
    addi a3, s3, 4
    EXPECT_TRAP_R 20, 7, a3
    sd a2, 4(s3)
    TRAP_DONE
    ld a0, 0(s3)
    CHECK 21, a0, 0x1111111111111111

.data
.balign 16
buf:
    .dword 0x0123456789abcdef
    .dword 0xfedcba9876543210
.text
"#
);

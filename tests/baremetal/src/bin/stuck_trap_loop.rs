//! Points mtvec at memory nothing answers and traps: every trap faults again. rvsim reports a stuck hart (QEMU would spin forever).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    li t0, 0x90000000
    csrw mtvec, t0
    ecall
"#
);

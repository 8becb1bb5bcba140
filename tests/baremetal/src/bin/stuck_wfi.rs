//! Waits for an interrupt with every interrupt disabled in mie: nothing can wake the hart. rvsim reports it (QEMU would wait forever).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    csrw mie, zero
    wfi
    li gp, 1
    j fail
"#
);

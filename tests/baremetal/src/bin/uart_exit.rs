//! Prints a line through the UART and exits through the test finisher with status 42.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    la a0, greeting
    call puts
    li t0, (42 << 16) | 0x3333
    li t1, 0x100000
    sw t0, 0(t1)
1:  j 1b
.section .rodata
greeting: .asciz "hello from the UART\n"
.text
"#
);

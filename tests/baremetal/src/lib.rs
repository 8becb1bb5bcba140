#![no_std]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
core::arch::global_asm!(r#"
.section .text.init, "ax"
.globl _start
_start:
    la sp, _stack_top
    j test_main
.bss
.align 4
_stack: .space 4096
_stack_top:
"#, options(raw));

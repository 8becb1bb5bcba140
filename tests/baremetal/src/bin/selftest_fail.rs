//! Fails on purpose at case 7, proving the harness sees failures.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    TEST_RR 6, add, 3, 1, 2
    TEST_RR 7, add, 4, 1, 2
"#
);

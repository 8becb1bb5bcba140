//! Random F and D instruction stream 7 (see build.rs); its register and fcsr dumps must match QEMU's.
#![no_std]
#![no_main]
baremetal::asm_test!(include_str!(concat!(env!("OUT_DIR"), "/fp_torture_7.S")));

//! Prints a greeting with its pid and arguments.
#![no_std]
#![no_main]

use rvsim_user::{Args, entry, println, sys};

entry!(main);

fn main(args: Args) -> i32 {
    println!("hello from user space! I am pid {}, my parent is {}", sys::getpid(), sys::getppid());
    for i in 1..args.len() {
        println!("argument {i}: {}", args.get(i));
    }
    0
}

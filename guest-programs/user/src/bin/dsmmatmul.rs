//! Distributed shared memory: C = A x B for N x N matrices of 32-bit integers in a segment shared by key, the rows of C split over the processes (one per node under `rvsim cluster`); process 0 fills A and B, and every process prints C's checksum and the guest cycles of the product (`dsmmatmul [processes] [N]`; try rvsim cluster --nodes 4 dsmmatmul 4).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use rvsim_user::sync::Barrier;
use rvsim_user::workload::mix;
use rvsim_user::{Args, entry, println, sys};

entry!(main);

/// The segment's key: the same on every node.
const KEY: i32 = 0x4453_4d32;
/// Bytes before the matrices: the barrier and the count of processes,
/// alone on their page.
const HEADER: usize = 4096;

/// The segment's first page.
#[repr(C)]
struct Header {
    barrier: Barrier,
    joined: AtomicU32,
}

fn main(args: Args) -> i32 {
    let processes = args.number(1, 1).max(1) as usize;
    let n = args.number(2, 256) as usize;
    let size = HEADER + 3 * n * n * 4;
    let base = match sys::attach_key(KEY, size) {
        Ok(addr) => addr,
        Err(why) => {
            println!("dsmmatmul: cannot attach the segment: {why}");
            return 1;
        }
    };
    // SAFETY: the segment is `size` bytes, zeroed at creation: a fresh
    // barrier, then the three matrices, each on its own.
    let (header, a, b, c) = unsafe {
        let m = |i: usize| core::slice::from_raw_parts_mut(base.add(HEADER + i * n * n * 4) as *mut u32, n * n);
        (&*(base as *const Header), m(0), m(1), m(2))
    };
    let rank = header.joined.fetch_add(1, Ordering::AcqRel) as usize;
    if rank == 0 {
        for i in 0..n * n {
            a[i] = (i % 7) as u32;
            b[i] = (i % 11) as u32;
        }
    }
    header.barrier.wait(processes as u32);
    let start = sys::cycles();
    let rows = rank * n / processes..(rank + 1) * n / processes;
    multiply(a, b, c, n, rows);
    header.barrier.wait(processes as u32);
    let cycles = sys::cycles() - start;
    let sum = c.iter().fold(0, |s, &v| mix(s, v as u64));
    println!("dsmmatmul: process {rank} of {processes}: {n}x{n} product in {cycles} cycles, checksum {sum:#018x}");
    rvsim_user::dsm::print_traffic("dsmmatmul");
    0
}

/// The rows `rows` of C = A x B (i-k-j order: the inner loop walks along
/// rows of B and C).
fn multiply(a: &[u32], b: &[u32], c: &mut [u32], n: usize, rows: core::ops::Range<usize>) {
    for i in rows {
        for k in 0..n {
            let x = a[i * n + k];
            for j in 0..n {
                c[i * n + j] = c[i * n + j].wrapping_add(x.wrapping_mul(b[k * n + j]));
            }
        }
    }
}

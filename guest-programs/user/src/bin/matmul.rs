//! TLB workload: a 128 x 128 matrix product, `row` order (B read along its rows) or `col` order (B read down its columns, a new page every few loads).
#![no_std]
#![no_main]

use rvsim_user::workload::{PAGE, mix, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

const N: usize = 128;

fn main(args: Args) -> i32 {
    let order = args.get(1);
    let column = match order {
        "" | "row" => false,
        "col" | "column" => true,
        other => {
            println!("matmul: order '{other}' is not row or col");
            return 2;
        }
    };
    let per_matrix = N * N * 8 / PAGE;
    let memory = pages("matmul", 3 * per_matrix);
    let (a, rest) = memory.split_at_mut(N * N);
    let (b, c) = rest.split_at_mut(N * N);
    for i in 0..N * N {
        a[i] = (i % 7) as u64;
        b[i] = (i % 11) as u64;
    }
    if column {
        // i-j-k: the inner loop walks down a column of B.
        for i in 0..N {
            for j in 0..N {
                let mut sum = 0u64;
                for k in 0..N {
                    sum = sum.wrapping_add(a[i * N + k].wrapping_mul(b[k * N + j]));
                }
                c[i * N + j] = sum;
            }
        }
    } else {
        // i-k-j: the inner loop walks along a row of B and of C.
        for i in 0..N {
            for k in 0..N {
                let x = a[i * N + k];
                for j in 0..N {
                    c[i * N + j] = c[i * N + j].wrapping_add(x.wrapping_mul(b[k * N + j]));
                }
            }
        }
    }
    let sum = c.iter().fold(0, |s, &v| mix(s, v));
    println!("matmul: {N}x{N} in {} order, checksum {sum:#018x}", if column { "column" } else { "row" });
    0
}

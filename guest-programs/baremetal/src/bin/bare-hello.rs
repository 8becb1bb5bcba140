//! Greets, reads the device tree it was booted with, and exits through the test finisher.
#![no_std]
#![no_main]

use rvsim_baremetal::{Boot, csr_read, entry, println};

entry!(main);

fn main(boot: Boot) -> u32 {
    println!("Hello from bare-metal RV64!");
    println!("hart {} running in M-mode, device tree at {:#x}", boot.hart_id, boot.dtb);
    let misa = csr_read!("misa");
    let mut isa = [0u8; 26];
    let mut len = 0;
    for (bit, letter) in (b'a'..=b'z').enumerate() {
        if misa & (1 << bit) != 0 {
            isa[len] = letter;
            len += 1;
        }
    }
    println!("misa says rv64{}", core::str::from_utf8(&isa[..len]).unwrap_or("?"));
    // SAFETY: the boot protocol passes a valid device tree in a1.
    match unsafe { fdt::Fdt::from_ptr(boot.dtb as *const u8) } {
        Ok(tree) => {
            println!("machine: {}", tree.root().model());
            for region in tree.memory().regions() {
                let size = region.size.unwrap_or(0);
                println!("memory: {:#x} bytes ({} MiB) at {:p}", size, size >> 20, region.starting_address);
            }
            println!("bootargs: {:?}", tree.chosen().bootargs().unwrap_or(""));
        }
        Err(e) => println!("no valid device tree: {e:?}"),
    }
    0
}

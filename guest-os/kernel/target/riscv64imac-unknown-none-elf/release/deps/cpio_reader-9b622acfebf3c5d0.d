/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/cpio_reader-9b622acfebf3c5d0.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/../README.md

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/libcpio_reader-9b622acfebf3c5d0.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/../README.md

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/libcpio_reader-9b622acfebf3c5d0.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cpio_reader-0.1.2/src/../README.md:

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/fdt-2da78abdb11cfd6a.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/node.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/parsing.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/standard_nodes.rs

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/libfdt-2da78abdb11cfd6a.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/node.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/parsing.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/standard_nodes.rs

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/libfdt-2da78abdb11cfd6a.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/node.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/parsing.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/standard_nodes.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/node.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/parsing.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/fdt-0.1.5/src/standard_nodes.rs:

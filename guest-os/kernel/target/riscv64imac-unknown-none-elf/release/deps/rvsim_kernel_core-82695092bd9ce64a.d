/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/rvsim_kernel_core-82695092bd9ce64a.d: /work/main/guest-os/core/src/lib.rs /work/main/guest-os/core/src/bootargs.rs /work/main/guest-os/core/src/exec.rs /work/main/guest-os/core/src/fault.rs /work/main/guest-os/core/src/frame.rs /work/main/guest-os/core/src/pte.rs /work/main/guest-os/core/src/space.rs /work/main/guest-os/core/src/stats.rs /work/main/guest-os/core/src/uaccess.rs

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/librvsim_kernel_core-82695092bd9ce64a.rlib: /work/main/guest-os/core/src/lib.rs /work/main/guest-os/core/src/bootargs.rs /work/main/guest-os/core/src/exec.rs /work/main/guest-os/core/src/fault.rs /work/main/guest-os/core/src/frame.rs /work/main/guest-os/core/src/pte.rs /work/main/guest-os/core/src/space.rs /work/main/guest-os/core/src/stats.rs /work/main/guest-os/core/src/uaccess.rs

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/librvsim_kernel_core-82695092bd9ce64a.rmeta: /work/main/guest-os/core/src/lib.rs /work/main/guest-os/core/src/bootargs.rs /work/main/guest-os/core/src/exec.rs /work/main/guest-os/core/src/fault.rs /work/main/guest-os/core/src/frame.rs /work/main/guest-os/core/src/pte.rs /work/main/guest-os/core/src/space.rs /work/main/guest-os/core/src/stats.rs /work/main/guest-os/core/src/uaccess.rs

/work/main/guest-os/core/src/lib.rs:
/work/main/guest-os/core/src/bootargs.rs:
/work/main/guest-os/core/src/exec.rs:
/work/main/guest-os/core/src/fault.rs:
/work/main/guest-os/core/src/frame.rs:
/work/main/guest-os/core/src/pte.rs:
/work/main/guest-os/core/src/space.rs:
/work/main/guest-os/core/src/stats.rs:
/work/main/guest-os/core/src/uaccess.rs:

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/rvsim_kernel-a2ee3f15f70d8695.d: src/main.rs src/boot.rs src/console.rs src/errno.rs src/exec.rs src/global.rs src/initrd.rs src/kvm.rs src/memory.rs src/param.rs src/plic.rs src/proc.rs src/start.rs src/syscall/mod.rs src/syscall/io.rs src/syscall/process.rs src/syscall/teaching.rs src/time.rs src/trap.rs src/vmlog.rs

/work/main/guest-os/kernel/target/riscv64imac-unknown-none-elf/release/deps/rvsim_kernel-a2ee3f15f70d8695: src/main.rs src/boot.rs src/console.rs src/errno.rs src/exec.rs src/global.rs src/initrd.rs src/kvm.rs src/memory.rs src/param.rs src/plic.rs src/proc.rs src/start.rs src/syscall/mod.rs src/syscall/io.rs src/syscall/process.rs src/syscall/teaching.rs src/time.rs src/trap.rs src/vmlog.rs

src/main.rs:
src/boot.rs:
src/console.rs:
src/errno.rs:
src/exec.rs:
src/global.rs:
src/initrd.rs:
src/kvm.rs:
src/memory.rs:
src/param.rs:
src/plic.rs:
src/proc.rs:
src/start.rs:
src/syscall/mod.rs:
src/syscall/io.rs:
src/syscall/process.rs:
src/syscall/teaching.rs:
src/time.rs:
src/trap.rs:
src/vmlog.rs:

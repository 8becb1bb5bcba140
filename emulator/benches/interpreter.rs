//! Interpreter throughput on a CPU-bound guest loop (the built-in
//! `cpu-mix` image), in guest instructions per second: criterion reports
//! "elem/s", so Melem/s is MIPS.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rvsim::{ElfImage, Machine, MachineConfig, StopReason};

/// Instructions executed per measured iteration.
const SLICE: u64 = 2_000_000;

fn boot(name: &str) -> Machine {
    let image = rvsim::builtin::find(name).expect("built-in image");
    let image = ElfImage::parse(image.elf, image.name).expect("valid image");
    let config = MachineConfig { console_output: Box::new(std::io::sink()), ..MachineConfig::default() };
    let mut machine = Machine::new(config).expect("machine");
    machine.load_kernel(&image, None).expect("loads");
    machine
}

fn interpreter(c: &mut Criterion) {
    let mut group = c.benchmark_group("interpreter");
    group.throughput(Throughput::Elements(SLICE));
    group.bench_function("cpu-mix bare M-mode", |b| {
        let mut machine = boot("cpu-mix");
        b.iter(|| {
            let limit = machine.cpu.steps() + SLICE;
            if !matches!(machine.run(Some(limit)), StopReason::InstructionLimit(_)) {
                // The program finished within this slice: start it again.
                machine = boot("cpu-mix");
            }
        });
    });
    group.finish();
}

criterion_group!(benches, interpreter);
criterion_main!(benches);

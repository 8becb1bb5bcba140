//! Interpreter throughput on CPU-bound guest loops (the built-in `cpu-mix`
//! image, bare and with Sv39 on, and `fp-mix`, nearly two fifths F and D
//! instructions), in guest instructions per second: criterion reports
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
    // The same workload bare in M-mode and in S-mode with Sv39 on (code
    // and data in 4 KiB pages): side by side, the cost of translation.
    // fp-mix: the cost of exact floating point.
    for (name, label) in
        [("cpu-mix", "cpu-mix bare M-mode"), ("cpu-mix-sv39", "cpu-mix S-mode Sv39"), ("fp-mix", "fp-mix bare M-mode")]
    {
        group.bench_function(label, |b| {
            let mut machine = boot(name);
            b.iter(|| {
                let limit = machine.cpu().steps() + SLICE;
                if !matches!(machine.run(Some(limit)), StopReason::InstructionLimit(_)) {
                    // The program finished within this slice: start it again.
                    machine = boot(name);
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, interpreter);
criterion_main!(benches);

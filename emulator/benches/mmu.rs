//! Host cost of translation through the hart's own path
//! (`Cpu::translate_access`): TLB hits on 4 KiB pages and on a 2 MiB
//! superpage, misses that walk three levels, and full flushes.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rvsim::mmu::workbench::{SUPERPAGE_VA, TranslationBench};
use rvsim::mmu::{Policy, TlbShape};

fn shape(entries: usize, ways: usize) -> TlbShape {
    TlbShape { entries, ways, policy: Policy::Lru }
}

fn translate(c: &mut Criterion) {
    let mut group = c.benchmark_group("translate");
    group.bench_function("hit 4 KiB", |b| {
        let mut bench = TranslationBench::new(TlbShape::default(), 64).expect("bench machine");
        let va = bench.page(5) + 0x18;
        bench.load(va).expect("mapped");
        b.iter(|| black_box(bench.load(black_box(va))));
    });
    group.bench_function("hit 2 MiB superpage", |b| {
        let mut bench = TranslationBench::new(TlbShape::default(), 64).expect("bench machine");
        let va = SUPERPAGE_VA + 0x12_3458;
        bench.load(va).expect("mapped");
        b.iter(|| black_box(bench.load(black_box(va))));
    });
    group.bench_function("TLB hit behind a host-cache miss (2 MiB, 512 sub-pages)", |b| {
        let mut bench = TranslationBench::new(TlbShape::default(), 64).expect("bench machine");
        let mut i = 0u64;
        b.iter(|| {
            i = (i + 1) % 512;
            black_box(bench.load(SUPERPAGE_VA + i * 4096))
        });
    });
    group.bench_function("miss, 3-level walk", |b| {
        // 4096 pages cycled through a 64-entry TLB: every access misses.
        let mut bench = TranslationBench::new(TlbShape::default(), 4096).expect("bench machine");
        let first = bench.page(0);
        let mut i = 0u64;
        b.iter(|| {
            i = (i + 1) & 4095;
            black_box(bench.load(first + (i << 12)))
        });
    });
    for entries in [64usize, 256] {
        group.bench_function(format!("flush {entries} entries"), |b| {
            b.iter_batched_ref(
                || {
                    let mut bench = TranslationBench::new(shape(entries, 4), entries as u64).expect("bench machine");
                    bench.touch_pages(entries as u64);
                    bench
                },
                |bench| bench.flush(),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, translate);
criterion_main!(benches);

//! Blocks against single steps: random code of loads, stores, arithmetic
//! and branches over several pages, under Sv39 and small TLBs, run once a
//! block at a time (the block loop's threaded handlers) and once an
//! instruction at a time (fetch, TLB lookup and LRU touch for each). The
//! registers, the counts and every TLB and MMU counter must agree: the
//! block loop only counts at once what single steps count one by one.
//! Code pages often end with a load, so that the next instruction is
//! fetched from another page right after an access.

use crate::cpu::{Privilege, csr_addr};
use crate::machine::{Machine, MachineConfig};
use crate::memmap::RAM_BASE;
use crate::mmu::{MmuConfig, TlbShape};
use crate::test_rng::Rng;

/// Pages of code, from RAM's start; the last ends with a jump back to the
/// first.
const CODE_PAGES: u64 = 4;
/// Pages of data, each reached through its own base register (x1..x6).
const DATA_PAGES: u64 = 6;
/// Where the data pages start, as an offset into RAM.
const DATA_AT: u64 = 0x10000;
/// Where the page tables are, as an offset into RAM (not mapped).
const TABLES_AT: u64 = 0x10_0000;

fn i_type(opcode: u32, funct3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode
}

fn s_type(funct3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32 & 0xfff;
    ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | 0x23
}

/// `beq`/`bne rs1, rs2` over the next instruction.
fn skip_next(funct3: u32, rs1: u32, rs2: u32) -> u32 {
    // B-type offset 8: imm[4:1] = 0b0100 in bits 11:8.
    (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (0b0100 << 8) | 0x63
}

/// `jal x0, offset` (offset a multiple of 2 within ±1 MiB).
fn jump(offset: i32) -> u32 {
    let imm = offset as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12)
        | 0x6f
}

/// One random instruction: results go to x10..x15, addresses come from a
/// data page's base register.
fn random_instruction(rng: &mut Rng, load: bool) -> u32 {
    let work = |rng: &mut Rng| 10 + rng.below(6) as u32;
    let base = 1 + rng.below(DATA_PAGES) as u32;
    let offset = (rng.below(512) as i32 - 256) * 8;
    match if load { 0 } else { rng.below(6) } {
        0 => i_type(0x03, 3, work(rng), base, offset),
        1 => s_type(3, base, work(rng), offset),
        2 => skip_next(rng.below(2) as u32, work(rng), work(rng)),
        3 => (work(rng) << 20) | (work(rng) << 15) | (work(rng) << 7) | 0x33,
        _ => i_type(0x13, 0, work(rng), work(rng), rng.below(4096) as i32 - 2048),
    }
}

/// A machine with the TLB `shape`, a random program from `seed` and the
/// page tables that map RAM's first MiB page by page, about to run it in
/// S-mode.
fn machine(shape: &str, seed: u64) -> Machine {
    let tlb = TlbShape::parse(shape).expect("shape");
    let config = MachineConfig {
        memory_size: 2 << 20,
        console_output: Box::new(std::io::sink()),
        mmu: MmuConfig { tlb, ..MmuConfig::default() },
        engine: crate::engine::Engine::Interp,
        ..MachineConfig::default()
    };
    let mut machine = Machine::new(config).expect("machine");
    let cpu = machine.cpu();
    let ram = &mut cpu.bus.ram;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let words = CODE_PAGES * 1024;
    for i in 0..words - 1 {
        // Page ends are often loads; the jump back is never skipped.
        let load = (i % 1024 == 1023 && rng.below(4) != 0) || i == words - 2;
        ram.write::<4>(RAM_BASE + i * 4, random_instruction(&mut rng, load) as u64);
    }
    ram.write::<4>(RAM_BASE + (words - 1) * 4, jump(-(((words - 1) * 4) as i32)) as u64);
    // Root -> one table for the first GiB of RAM -> one for its first 2 MiB.
    let (root, middle, leaves) = (RAM_BASE + TABLES_AT, RAM_BASE + TABLES_AT + 0x1000, RAM_BASE + TABLES_AT + 0x2000);
    let pointer = |table: u64| ((table >> 12) << 10) | 1;
    ram.write::<8>(root + 8 * ((RAM_BASE >> 30) & 0x1ff), pointer(middle));
    ram.write::<8>(middle, pointer(leaves));
    for page in 0..256 {
        // V, R, W, X, A, D.
        ram.write::<8>(leaves + 8 * page, (((RAM_BASE >> 12) + page) << 10) | 0xcf);
    }
    for r in 1..=DATA_PAGES {
        cpu.set_reg(r as usize, RAM_BASE + DATA_AT + (r - 1) * 0x1000 + 0x800);
    }
    for r in 10..16 {
        cpu.set_reg(r, rng.next());
    }
    cpu.csr_write(csr_addr::PMPADDR0, u64::MAX >> 10).expect("pmpaddr0");
    cpu.csr_write(csr_addr::PMPCFG0, 0x0f).expect("pmpcfg0");
    cpu.csr_write(csr_addr::SATP, (8 << 60) | (root >> 12)).expect("satp");
    cpu.set_mode(Privilege::Supervisor);
    cpu.pc = RAM_BASE;
    machine
}

/// What must agree: registers, pc, counts and the TLB's and MMU's
/// counters.
fn outcome(machine: &mut Machine) -> String {
    let cpu = machine.cpu();
    let registers: Vec<u64> = (10..16).map(|r| cpu.reg(r)).collect();
    format!(
        "pc {:#x} x10..x15 {registers:x?} retired {} steps {} tlb {:?} mmu {:?}",
        cpu.pc,
        cpu.retired(),
        cpu.steps(),
        cpu.mmu.tlb.stats,
        cpu.mmu.stats
    )
}

#[test]
fn blocks_count_and_replace_as_single_steps_do() {
    const STEPS: u64 = 200_000;
    for shape in ["entries=4,ways=full,policy=lru", "entries=4,ways=2,policy=lru", "entries=8,ways=2,policy=fifo"] {
        for seed in 1..=6 {
            let mut blocks = machine(shape, seed);
            blocks.run(Some(STEPS));
            let mut steps = machine(shape, seed);
            for _ in 0..STEPS {
                steps.cpu().single_step();
            }
            let (by_blocks, by_steps) = (outcome(&mut blocks), outcome(&mut steps));
            assert!(by_steps.contains(&format!("retired {STEPS} steps {STEPS} ")), "nothing traps: {by_steps}");
            assert_eq!(by_blocks, by_steps, "{shape}, seed {seed}");
        }
    }
}

//! Links the test programs at the start of RAM, and generates the
//! "torture" programs: random but deterministic instruction streams whose
//! register dumps rvsim and QEMU must print identically. `torture_N` is
//! integer code (RV64IMAC); `fp_torture_N` is F and D code, whose dumps add
//! the f registers and `fcsr`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

mod fp_torture;
use fp_torture::{FP_PROGRAMS, FpGenerator};

/// Number of torture programs (src/bin/torture_N.rs, N below this).
const PROGRAMS: u64 = 8;
/// Blocks of random instructions per program; registers are dumped after
/// each.
const BLOCKS: usize = 30;
const BLOCK_LEN: usize = 40;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=fp_torture.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for seed in 0..PROGRAMS {
        let program = Generator::new(seed).program();
        fs::write(out.join(format!("torture_{seed}.S")), program).expect("write torture program");
    }
    for seed in 0..FP_PROGRAMS {
        let program = FpGenerator::new(seed).program();
        fs::write(out.join(format!("fp_torture_{seed}.S")), program).expect("write FP torture program");
    }
}

/// The start of the dump routine `name`, shared by both generators: ra
/// saved in the save area, then the `--` line that begins a dump block,
/// written to the UART.
fn dump_prologue(name: &str) -> String {
    let ra_slot = SAVE + 8 * BASE as i64;
    format!(
        "{name}:
    sd ra, {ra_slot}(s11)
    li a0, 0x0a2d2d
    li t1, 0x10000000
    sb a0, 0(t1)
    srli a0, a0, 8
    sb a0, 0(t1)
    srli a0, a0, 8
    sb a0, 0(t1)"
    )
}

/// xorshift64*: small, deterministic, good enough to pick instructions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Registers the random code may write: all but zero, sp, gp (the
/// runtime's case number) and s11 (the base of the scratch buffer).
const REGS: [u32; 28] =
    [1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31];
/// Registers of the compressed 3-bit fields (x8..x15).
const CREGS: [u32; 8] = [8, 9, 10, 11, 12, 13, 14, 15];
const BASE: u32 = 27;
/// Offset of the register save area from s11.
const SAVE: i64 = 1024;

const INTERESTING: [u64; 14] = [
    0,
    1,
    2,
    u64::MAX,
    u64::MAX - 1,
    1 << 63,
    (1 << 63) - 1,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0xffff_ffff_8000_0000,
    0x1_0000_0000,
    0x8000_0000_0000_0001,
    0x5555_5555_aaaa_aaaa,
];

const RR: [&str; 28] = [
    "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw", "sraw",
    "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw",
];
const RI: [&str; 7] = ["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"];
const SHIFTS: [(&str, i64); 6] =
    [("slli", 63), ("srli", 63), ("srai", 63), ("slliw", 31), ("srliw", 31), ("sraiw", 31)];
const LOADS: [(&str, i64); 7] = [("lb", 1), ("lh", 2), ("lw", 4), ("ld", 8), ("lbu", 1), ("lhu", 2), ("lwu", 4)];
const STORES: [(&str, i64); 4] = [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)];
const AMOS: [&str; 9] = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"];
const BRANCHES: [&str; 6] = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];
const CA: [&str; 6] = ["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"];

struct Generator {
    rng: Rng,
    text: String,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng(0x9e37_79b9_7f4a_7c15 ^ (seed + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9)),
            text: String::new(),
        }
    }

    fn reg(&mut self) -> u32 {
        *self.rng.pick(&REGS)
    }

    fn creg(&mut self) -> u32 {
        *self.rng.pick(&CREGS)
    }

    /// A destination: usually a register, sometimes x0.
    fn dest(&mut self) -> u32 {
        if self.rng.below(16) == 0 { 0 } else { self.reg() }
    }

    fn source(&mut self) -> u32 {
        if self.rng.below(16) == 0 { 0 } else { self.reg() }
    }

    fn value(&mut self) -> u64 {
        if self.rng.below(3) == 0 { self.rng.next() } else { *self.rng.pick(&INTERESTING) }
    }

    fn line(&mut self, s: String) {
        self.text.push_str("    ");
        self.text.push_str(&s);
        self.text.push('\n');
    }

    fn program(mut self) -> String {
        self.text.push_str("    la s11, torture_buf + 1024\n");
        for r in REGS {
            let v = self.value();
            self.line(format!("li x{r}, {v:#x}"));
        }
        self.dump();
        for _ in 0..BLOCKS {
            for _ in 0..BLOCK_LEN {
                self.instruction();
            }
            self.dump();
        }
        self.text.push_str("    jal ra, torture_dump_memory\n");
        self.routines();
        self.text
    }

    /// Saves every register, prints them, restores them.
    fn dump(&mut self) {
        for r in REGS {
            self.line(format!("sd x{r}, {}(s11)", SAVE + 8 * r as i64));
        }
        self.line("jal ra, torture_dump".into());
        for r in REGS {
            self.line(format!("ld x{r}, {}(s11)", SAVE + 8 * r as i64));
        }
    }

    fn instruction(&mut self) {
        match self.rng.below(100) {
            0..=29 => {
                let op = *self.rng.pick(&RR);
                let (rd, a, b) = (self.dest(), self.source(), self.source());
                self.line(format!("{op} x{rd}, x{a}, x{b}"));
            }
            30..=41 => {
                let op = *self.rng.pick(&RI);
                let (rd, a, imm) = (self.dest(), self.source(), self.rng.range(-2048, 2047));
                self.line(format!("{op} x{rd}, x{a}, {imm}"));
            }
            42..=49 => {
                let (op, max) = *self.rng.pick(&SHIFTS);
                let (rd, a, sh) = (self.dest(), self.source(), self.rng.range(0, max));
                self.line(format!("{op} x{rd}, x{a}, {sh}"));
            }
            50..=52 => {
                let op = if self.rng.below(2) == 0 { "lui" } else { "auipc" };
                let (rd, imm) = (self.dest(), self.rng.below(1 << 20));
                self.line(format!("{op} x{rd}, {imm:#x}"));
            }
            53..=64 => self.compressed(),
            65..=74 => {
                let (op, size) = *self.rng.pick(&LOADS);
                let (rd, off) = (self.dest(), self.offset(size));
                self.line(format!("{op} x{rd}, {off}(s11)"));
            }
            75..=82 => {
                let (op, size) = *self.rng.pick(&STORES);
                let (src, off) = (self.source(), self.offset(size));
                self.line(format!("{op} x{src}, {off}(s11)"));
            }
            83..=87 => {
                let op = *self.rng.pick(&AMOS);
                let width = if self.rng.below(2) == 0 { "w" } else { "d" };
                let size = if width == "w" { 4 } else { 8 };
                let (addr, rd, src, off) = (self.reg(), self.dest(), self.source(), self.offset(size));
                self.line(format!("addi x{addr}, s11, {off}"));
                self.line(format!("{op}.{width} x{rd}, x{src}, (x{addr})"));
            }
            88..=89 => {
                let width = if self.rng.below(2) == 0 { "w" } else { "d" };
                let size = if width == "w" { 4 } else { 8 };
                let addr = self.reg();
                let loaded = loop {
                    let r = self.reg();
                    if r != addr {
                        break r;
                    }
                };
                let (add, status, off) = (self.source(), self.dest(), self.offset(size));
                self.line(format!("addi x{addr}, s11, {off}"));
                self.line(format!("lr.{width} x{loaded}, (x{addr})"));
                self.line(format!("add x{loaded}, x{loaded}, x{add}"));
                self.line(format!("sc.{width} x{status}, x{loaded}, (x{addr})"));
            }
            90..=96 => {
                let op = *self.rng.pick(&BRANCHES);
                let (a, b) = (self.source(), self.source());
                self.line(format!("{op} x{a}, x{b}, 1f"));
                for _ in 0..=self.rng.below(3) {
                    let (rd, a, imm) = (self.dest(), self.source(), self.rng.range(-2048, 2047));
                    self.line(format!("addi x{rd}, x{a}, {imm}"));
                }
                self.text.push_str("1:\n");
            }
            _ => {
                let rd = self.dest();
                self.line(format!("jal x{rd}, 1f"));
                let (r, a) = (self.dest(), self.source());
                self.line(format!("xori x{r}, x{a}, -1"));
                self.text.push_str("1:\n");
            }
        }
    }

    /// An aligned offset from s11 inside the scratch area.
    fn offset(&mut self, size: i64) -> i64 {
        self.rng.range(-1024 / size, 1024 / size - 1) * size
    }

    fn compressed(&mut self) {
        let nonzero = |g: &mut Generator| g.reg();
        match self.rng.below(11) {
            0 => {
                let (rd, imm) = (nonzero(self), self.rng.range(-32, 31));
                self.line(format!("c.addi x{rd}, {imm}"));
            }
            1 => {
                let (rd, imm) = (nonzero(self), self.rng.range(-32, 31));
                self.line(format!("c.addiw x{rd}, {imm}"));
            }
            2 => {
                let (rd, imm) = (nonzero(self), self.rng.range(-32, 31));
                self.line(format!("c.li x{rd}, {imm}"));
            }
            3 => {
                let rd = nonzero(self);
                let imm = if self.rng.below(2) == 0 { self.rng.range(1, 31) } else { self.rng.range(0xfffe0, 0xfffff) };
                self.line(format!("c.lui x{rd}, {imm:#x}"));
            }
            4 => {
                let op = *self.rng.pick(&["c.srli", "c.srai"]);
                let (rd, sh) = (self.creg(), self.rng.range(1, 63));
                self.line(format!("{op} x{rd}, {sh}"));
            }
            5 => {
                let (rd, imm) = (self.creg(), self.rng.range(-32, 31));
                self.line(format!("c.andi x{rd}, {imm}"));
            }
            6 => {
                let (rd, sh) = (nonzero(self), self.rng.range(1, 63));
                self.line(format!("c.slli x{rd}, {sh}"));
            }
            7 => {
                let (rd, rs) = (nonzero(self), nonzero(self));
                self.line(format!("c.mv x{rd}, x{rs}"));
            }
            8 => {
                let (rd, rs) = (nonzero(self), nonzero(self));
                self.line(format!("c.add x{rd}, x{rs}"));
            }
            _ => {
                let op = *self.rng.pick(&CA);
                let (rd, rs) = (self.creg(), self.creg());
                self.line(format!("{op} x{rd}, x{rs}"));
            }
        }
    }

    /// The dump routines and the scratch buffer (random initial contents).
    fn routines(&mut self) {
        let ra_slot = SAVE + 8 * BASE as i64;
        let _ = write!(
            self.text,
            r#"
{prologue}
    addi s0, s11, {first}
    addi s1, s11, {end}
1:  ld a0, 0(s0)
    call puthex
    addi s0, s0, 8
    bne s0, s1, 1b
    ld ra, {ra_slot}(s11)
    ret

torture_dump_memory:
    addi s0, s11, -1024
    addi s1, s11, 1024
2:  ld a0, 0(s0)
    call puthex
    addi s0, s0, 8
    bne s0, s1, 2b
    j pass

.data
.balign 8
torture_buf:
"#,
            prologue = dump_prologue("torture_dump"),
            first = SAVE + 8,
            end = SAVE + 8 * 32,
        );
        for _ in 0..(2048 / 8) {
            let v = self.rng.next();
            let _ = writeln!(self.text, "    .dword {v:#x}");
        }
        let _ = writeln!(self.text, "    .space {}", 8 * 32);
    }
}

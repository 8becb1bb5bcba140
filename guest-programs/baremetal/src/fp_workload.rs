//! A floating-point workload: the inner loops of numeric code, written in
//! assembly so that they are F and D instructions whatever the Rust target
//! (the guest crates are built for rv64imac, where Rust's own `f64` is
//! software). Each kernel returns the bits of its result, folded into a
//! checksum that must be the same on every correct machine.

use core::arch::asm;
use core::hint::black_box;

/// Work rounds of [`fp_mix`] for a run of about 28 million instructions.
pub const FP_MIX_ROUNDS: u32 = 4000;

/// Matrix order of the double-precision product.
const N: usize = 8;
/// Coefficients of the single-precision polynomial.
const COEFFICIENTS: usize = 8;

/// Turns the FP unit on (`mstatus.FS` = Initial); M-mode only.
pub fn enable_fp() {
    // SAFETY: sets a field of mstatus that only enables FP instructions.
    unsafe { asm!("li {t}, 0x2000", "csrs mstatus, {t}", t = out(reg) _, options(nostack)) }
}

/// The double nearest `value` (by `fcvt.d.l`), as bits.
fn double(value: i64) -> u64 {
    let bits: u64;
    // SAFETY: register-only FP instructions.
    unsafe {
        asm!(".option push", ".option arch, +d", "fcvt.d.l ft0, {v}", "fmv.x.d {b}, ft0", ".option pop",
             v = in(reg) value, b = lateout(reg) bits, options(nostack, nomem))
    }
    bits
}

/// `sum(a[i] * b[i * stride])` for `n` terms, by `fmadd.d`; the bits of
/// the sum.
fn dot(a: *const u64, b: *const u64, n: usize, stride: usize) -> u64 {
    let sum: u64;
    // SAFETY: reads n doubles from a and from b (every stride-th); the
    // caller's arrays hold them.
    unsafe {
        asm!(".option push", ".option arch, +d",
             "fmv.d.x ft0, zero",
             "1:",
             "fld ft1, 0({a})", "fld ft2, 0({b})", "fmadd.d ft0, ft1, ft2, ft0",
             "addi {a}, {a}, 8", "add {b}, {b}, {s}", "addi {n}, {n}, -1", "bnez {n}, 1b",
             "fmv.x.d {sum}, ft0",
             ".option pop",
             a = inout(reg) a => _, b = inout(reg) b => _, n = inout(reg) n => _, s = in(reg) stride * 8,
             sum = lateout(reg) sum, options(nostack, readonly))
    }
    sum
}

/// Five Newton steps towards the square root of the double `v` (`fdiv.d`,
/// `fadd.d`, `fmul.d`), less `fsqrt.d`'s answer: the bits of the
/// difference.
fn newton(v: u64) -> u64 {
    let difference: u64;
    // SAFETY: register-only FP instructions.
    unsafe {
        asm!(".option push", ".option arch, +d",
             "fmv.d.x ft0, {v}", "fmv.d.x ft1, {v}",
             "li {k}, 0x3fe0000000000000", "fmv.d.x ft3, {k}",
             "li {k}, 5",
             "1:",
             "fdiv.d ft2, ft0, ft1", "fadd.d ft2, ft2, ft1", "fmul.d ft1, ft2, ft3",
             "addi {k}, {k}, -1", "bnez {k}, 1b",
             "fsqrt.d ft2, ft0", "fsub.d ft1, ft1, ft2",
             "fmv.x.d {d}, ft1",
             ".option pop",
             v = in(reg) v, k = out(reg) _, d = lateout(reg) difference, options(nostack, nomem))
    }
    difference
}

/// The single-precision polynomial with `COEFFICIENTS` coefficients at `c`
/// (highest first) at `x` (bits), by Horner's rule with `fmadd.s`; the
/// bits of the value.
fn horner(c: *const u32, x: u32) -> u32 {
    let value: u32;
    // SAFETY: reads COEFFICIENTS singles at c, which the caller's array
    // holds.
    unsafe {
        asm!(".option push", ".option arch, +f",
             "fmv.w.x ft0, {x}", "flw ft1, 0({c})",
             "li {k}, {count}", "addi {c}, {c}, 4",
             "1:",
             "flw ft2, 0({c})", "fmadd.s ft1, ft1, ft0, ft2",
             "addi {c}, {c}, 4", "addi {k}, {k}, -1", "bnez {k}, 1b",
             "fmv.x.w {v}, ft1",
             ".option pop",
             x = in(reg) x, c = inout(reg) c => _, k = out(reg) _, count = const COEFFICIENTS - 1,
             v = lateout(reg) value, options(nostack, readonly))
    }
    value
}

/// Conversions and comparisons on the doubles `a` and `b`: `a` narrowed to
/// a single and back, the larger and smaller of the two, the integer part
/// of their product (rounding towards zero), and whether `a < b`, folded
/// into one word.
fn convert(a: u64, b: u64) -> u64 {
    let (wide, integer, less): (u64, u64, u64);
    // SAFETY: register-only FP instructions.
    unsafe {
        asm!(".option push", ".option arch, +d",
             "fmv.d.x ft0, {a}", "fmv.d.x ft1, {b}",
             "fcvt.s.d ft2, ft0", "fcvt.d.s ft2, ft2",
             "fmax.d ft3, ft2, ft1", "fmin.d ft4, ft2, ft1", "fsub.d ft3, ft3, ft4",
             "fmv.x.d {w}, ft3",
             "fmul.d ft5, ft0, ft1", "fcvt.l.d {i}, ft5, rtz",
             "flt.d {l}, ft0, ft1",
             ".option pop",
             a = in(reg) a, b = in(reg) b, w = lateout(reg) wide, i = lateout(reg) integer,
             l = lateout(reg) less, options(nostack, nomem))
    }
    wide ^ integer.rotate_left(17) ^ less
}

/// The FP mix, `rounds` times: an 8×8 double matrix product, Newton square
/// roots against `fsqrt.d`, a single-precision polynomial and conversions
/// with comparisons; returns a checksum of every result's bits. Each round
/// is about 7 thousand instructions, nearly two fifths of them F and D.
pub fn fp_mix(rounds: u32) -> u64 {
    let (mut a, mut b) = ([0u64; N * N], [0u64; N * N]);
    for i in 0..N * N {
        a[i] = double(i as i64 - 20);
        b[i] = double((i as i64 * 7) % 13 - 6);
    }
    let mut coefficients = [0u32; COEFFICIENTS];
    for (i, c) in coefficients.iter_mut().enumerate() {
        *c = (double(i as i64 + 1) >> 29) as u32 & 0x3fff_ffff;
    }
    let mut checksum = 0u64;
    for round in 0..black_box(rounds) {
        a[round as usize % (N * N)] = double(round as i64);
        for i in 0..N {
            for j in 0..N {
                checksum = checksum.rotate_left(5) ^ dot(a[i * N..].as_ptr(), b[j..].as_ptr(), N, N);
            }
        }
        for k in 0..16u64 {
            checksum = checksum.wrapping_mul(31) ^ newton(double((round as i64 + 1) * (k as i64 + 3)));
        }
        for k in 0..32u32 {
            let x = 0x3f00_0000 | ((round.wrapping_mul(2654435761) ^ k) & 0x007f_ffff);
            checksum = checksum.rotate_left(3) ^ horner(coefficients.as_ptr(), x) as u64;
        }
        for k in 0..16usize {
            checksum = checksum.wrapping_add(convert(a[k], b[(k + round as usize) % (N * N)]));
        }
    }
    checksum
}

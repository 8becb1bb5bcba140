//! The disassembler against GNU objdump (binutils-riscv64-unknown-elf):
//! every instruction of the kernel, the user programs and the bare-metal
//! test programs, disassembled by both, must read the same once spacing,
//! objdump's comments and symbol annotations, and the few places where the
//! two spell one instruction differently are normalised.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{all_programs, elf, tool_available};
use rvsim::isa::{Decoder, disassemble};

const OBJDUMP: &str = "riscv64-unknown-elf-objdump";
const OBJCOPY: &str = "riscv64-unknown-elf-objcopy";

/// The guest programs built into rvsim (target/guest).
fn guest_elves() -> Vec<PathBuf> {
    let exe = std::env::current_exe().expect("test path");
    let dir = exe.ancestors().nth(3).expect("target directory").join("guest/riscv64imac-unknown-none-elf/release");
    let mut files: Vec<PathBuf> =
        ["rvsim-kernel", "hello", "sh", "forktest", "shmring", "bindlib", "libgreet", "cpu-mix"]
            .iter()
            .map(|name| dir.join(name))
            .collect();
    files.retain(|f| f.exists());
    assert!(files.len() >= 6, "the guest programs were not built in {}", dir.display());
    files
}

/// objdump's spelling of an instruction, made comparable: single spaces,
/// no `#` comment, no `<symbol>` after a target.
fn normalise_objdump(text: &str) -> String {
    let text = text.split(" #").next().unwrap_or(text);
    let text = match text.find(" <") {
        Some(at) => &text[..at],
        None => text,
    };
    spaced(text)
}

fn spaced(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where binutils 2.40 and rvsim spell one instruction differently, both
/// readings are accepted: objdump writes an immediate ALU instruction
/// under the register one's name (`add a0,a0,1` for `addi`), and `.insn`
/// for encodings it does not know.
fn same_instruction(ours: &str, theirs: &str) -> bool {
    if ours == theirs {
        return true;
    }
    let (our_name, our_ops) = ours.split_once(' ').unwrap_or((ours, ""));
    let (their_name, their_ops) = theirs.split_once(' ').unwrap_or((theirs, ""));
    let immediate_form = our_name.strip_suffix('i').or_else(|| our_name.strip_suffix("iw").map(|_| "")).is_some();
    if our_ops == their_ops && immediate_form {
        let spelled = match our_name.strip_suffix("iw") {
            Some(stem) => format!("{stem}w"),
            None => our_name.strip_suffix('i').unwrap_or(our_name).to_string(),
        };
        return their_name == spelled;
    }
    false
}

/// Disassembles `file` with objdump and compares every instruction line
/// with rvsim's reading of the same bytes. Returns (instructions
/// compared, differences found as (objdump, rvsim), data lines skipped).
fn compare(file: &Path, scratch: &Path) -> (usize, Vec<(String, String)>, usize) {
    // rustc's LLVM writes an architecture attribute without Zicsr, which
    // binutils 2.40 then refuses to decode: without the attribute objdump
    // takes its default, rv64gc with Zicsr and Zifencei.
    let copy = scratch.join(file.file_name().expect("a file name"));
    let stripped = Command::new(OBJCOPY).args(["--remove-section", ".riscv.attributes"]).arg(file).arg(&copy).status();
    assert!(stripped.is_ok_and(|s| s.success()), "objcopy {}", file.display());
    compare_as_built(&copy)
}

/// [`compare`] for a file whose architecture attribute objdump can take as
/// it is (gcc's, which names every extension the code uses).
fn compare_as_built(file: &Path) -> (usize, Vec<(String, String)>, usize) {
    let output = Command::new(OBJDUMP).args(["-d", "--no-show-raw-insn"]).arg(file).output().expect("run objdump");
    assert!(output.status.success(), "objdump {}: {}", file.display(), String::from_utf8_lossy(&output.stderr));
    // objdump without raw bytes gives "addr: text"; the bytes come from a
    // second run with them, line for line.
    let with_raw = Command::new(OBJDUMP).args(["-d"]).arg(file).output().expect("run objdump");
    let raw_text = String::from_utf8_lossy(&with_raw.stdout).into_owned();
    let mut raw_words = BTreeMap::new();
    for line in raw_text.lines() {
        let mut fields = line.trim_start().splitn(2, ":\t");
        let (Some(addr), Some(rest)) = (fields.next(), fields.next()) else { continue };
        let Ok(addr) = u64::from_str_radix(addr.trim(), 16) else { continue };
        let Some(hex) = rest.split_whitespace().next() else { continue };
        if let Ok(word) = u32::from_str_radix(hex, 16) {
            raw_words.insert(addr, (word, hex.len()));
        }
    }
    let decoder = Decoder::get();
    let (mut compared, mut skipped) = (0, 0);
    let mut differences = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let mut fields = line.trim_start().splitn(2, ":\t");
        let (Some(addr), Some(text)) = (fields.next(), fields.next()) else { continue };
        let Ok(addr) = u64::from_str_radix(addr.trim(), 16) else { continue };
        let Some(&(word, digits)) = raw_words.get(&addr) else { continue };
        let theirs = normalise_objdump(text);
        if [".insn", ".2byte", ".4byte", ".word", ".short"].iter().any(|d| theirs.starts_with(d)) || theirs == "unimp" {
            skipped += 1;
            continue;
        }
        let d = decoder.decode(word);
        assert_eq!(d.len as usize * 2, digits, "{}: {addr:#x}: length of {word:#x}", file.display());
        let ours = spaced(&disassemble(&d, addr));
        compared += 1;
        if !same_instruction(&ours, &theirs) {
            differences.push((format!("{addr:#x}: {theirs}"), ours));
        }
    }
    (compared, differences, skipped)
}

#[test]
fn the_disassembly_reads_as_objdumps() {
    let test = "the_disassembly_reads_as_objdumps";
    if !tool_available(OBJDUMP, test) || !tool_available(OBJCOPY, test) {
        return;
    }
    let scratch = common::scratch_dir(test);
    let mut files = guest_elves();
    files.extend(all_programs().iter().map(|name| elf(name)));
    let (mut total, mut skipped_total) = (0, 0);
    let mut report = String::new();
    for file in &files {
        let (compared, differences, skipped) = compare(file, &scratch);
        total += compared;
        skipped_total += skipped;
        for (theirs, ours) in differences.iter().take(5) {
            report.push_str(&format!("{}: objdump {theirs} / rvsim {ours}\n", file.display()));
        }
        if differences.len() > 5 {
            report.push_str(&format!("{}: ... {} differences in all\n", file.display(), differences.len()));
        }
    }
    eprintln!(
        "compared {total} instructions in {} files with objdump's ({skipped_total} data words skipped)",
        files.len()
    );
    assert!(total > 20_000, "only {total} instructions compared");
    assert!(skipped_total * 100 < total, "{skipped_total} data words skipped of {total}");
    assert!(report.is_empty(), "the disassembly differs from objdump's:\n{report}");
}

/// F, D, Zba, Zbb and Zbs code, as gcc built it for the official
/// riscv-tests (their architecture attribute tells objdump which
/// extensions to decode): every instruction of the rv64uf, ud, uzba, uzbb
/// and uzbs tests.
#[test]
fn floating_point_and_bit_manipulation_code_reads_as_objdumps() {
    let test = "floating_point_and_bit_manipulation_code_reads_as_objdumps";
    let Some(corpus) = common::corpus(test) else { return };
    if !tool_available(OBJDUMP, test) {
        return;
    }
    let isa = corpus.join("riscv-tests/isa");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&isa)
        .expect("the corpus's isa directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            ["rv64uf-p-", "rv64ud-p-", "rv64uzba-p-", "rv64uzbb-p-", "rv64uzbs-p-"].iter().any(|s| name.starts_with(s))
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 63, "the p tests of f, d, zba, zbb and zbs in {}", isa.display());
    let (mut total, mut report) = (0, String::new());
    for file in &files {
        let (compared, differences, _) = compare_as_built(file);
        total += compared;
        for (theirs, ours) in differences.iter().take(5) {
            report.push_str(&format!("{}: objdump {theirs} / rvsim {ours}\n", file.display()));
        }
    }
    assert!(total > 5_000, "only {total} instructions compared");
    assert!(report.is_empty(), "the disassembly differs from objdump's:\n{report}");
}

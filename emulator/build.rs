//! Builds the guest crates (guest-programs/) for riscv64 with the same
//! cargo, and embeds the resulting ELF files into rvsim (see
//! src/builtin.rs). Plain `cargo build` on a fresh clone is all it takes.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

const GUEST_TARGET: &str = "riscv64imac-unknown-none-elf";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let guest_programs = manifest_dir.join("../guest-programs");
    let guest_os = manifest_dir.join("../guest-os");
    println!("cargo:rerun-if-changed={}", guest_programs.display());
    println!("cargo:rerun-if-changed={}", guest_os.display());

    // Share one guest build directory between profiles: target/guest.
    let target_dir = out_dir.ancestors().nth(4).unwrap_or(&out_dir).join("guest");
    build_guest(&guest_programs, &target_dir);
    build_guest(&guest_os.join("kernel"), &target_dir);

    let elf_dir = target_dir.join(GUEST_TARGET).join("release");
    let mut images = String::from("static BUILTIN_IMAGES: &[BuiltinImage] = &[\n");
    let mut add = |name: &str, summary: &str, kind: &str| {
        let elf = elf_dir.join(name);
        writeln!(
            images,
            "    BuiltinImage {{ name: {name:?}, summary: {summary:?}, kind: ImageKind::{kind}, elf: include_bytes!({:?}) }},",
            elf.display().to_string()
        )
        .expect("writing to a String cannot fail");
    };
    let kernel_source = fs::read_to_string(guest_os.join("kernel/src/main.rs")).unwrap_or_default();
    add("rvsim-kernel", &summary(&kernel_source), "Kernel");
    for (name, source) in binaries(&guest_programs.join("baremetal/src/bin")) {
        add(&name, &summary(&source), "BareMetal");
    }
    for (name, source) in binaries(&guest_programs.join("user/src/bin")) {
        add(&name, &summary(&source), "Program");
    }
    for (name, source) in binaries(&guest_programs.join("sharedlib/src/bin")) {
        add(&name, &summary(&source), "Library");
    }
    images.push_str("];\n");
    fs::write(out_dir.join("builtin_images.rs"), images).expect("write builtin_images.rs");
}

/// Runs cargo for the guest workspace at `dir`, into `target_dir`.
fn build_guest(dir: &Path, target_dir: &Path) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(dir).args(["build", "--release", "--target", GUEST_TARGET, "--target-dir"]).arg(target_dir);
    // The outer build's flags are for the host; the guest build must not
    // inherit them.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        command.env_remove(var);
    }
    match command.output() {
        Ok(output) if output.status.success() => {}
        Ok(output) => {
            // Cargo shows a failing build script's stderr: pass the guest
            // compiler's messages through.
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            eprintln!(
                "error: building the guest programs failed (see above). If the riscv64 target is missing, \
                 run: rustup target add {GUEST_TARGET}"
            );
            exit(1);
        }
        Err(e) => {
            eprintln!("error: cannot run cargo to build the guest programs: {e}");
            exit(1);
        }
    }
}

/// The binaries of a guest crate: (name, source text), sorted by name.
fn binaries(bin_dir: &Path) -> Vec<(String, String)> {
    let mut bins: Vec<(String, String)> = fs::read_dir(bin_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", bin_dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "rs").then_some(())?;
            let name = path.file_stem()?.to_str()?.to_string();
            let source = fs::read_to_string(&path).ok()?;
            Some((name, source))
        })
        .collect();
    bins.sort();
    bins
}

/// The first line of a source file's `//!` documentation.
fn summary(source: &str) -> String {
    source.lines().find_map(|line| line.strip_prefix("//!")).map(|line| line.trim().to_string()).unwrap_or_default()
}

//! What `rvsim run` boots: the kernel (built-in or a file), the initrd
//! of user programs, and the kernel command line.

use std::path::Path;

use super::output::say;
use super::{BootArgs, Failure, exit_code, load_failure};
use crate::boot_layout;
use crate::builtin::{self, ImageKind};
use crate::fdt::{self, DeviceTreeConfig};
use crate::images;
use crate::loader::{ElfImage, LoadError, read_guest_file, without_section_headers};
use crate::memmap::{MAX_RAM_SIZE, RAM_BASE};

/// Loads `spec` for a guest with `ram_size` bytes of RAM: a path to an
/// ELF file, or the name of a built-in image when no such file exists.
pub(super) fn load_image(spec: &str, ram_size: u64) -> Result<ElfImage, LoadError> {
    let path = Path::new(spec);
    if !path.exists()
        && !spec.contains(std::path::MAIN_SEPARATOR)
        && let Some(image) = builtin::find(spec)
    {
        return ElfImage::parse(image.elf, image.name);
    }
    let image = ElfImage::from_file_within(path, ram_size).map_err(|mut e| {
        if e.problem == "no such file" && !spec.contains(std::path::MAIN_SEPARATOR) {
            e.problem = "no such file, and no built-in image of that name ('rvsim list' shows them)".into();
        }
        e
    })?;
    warn_if_symbols_dropped(&image);
    Ok(image)
}

/// The kernel `spec` names for a guest with `ram_size` bytes of RAM: a
/// built-in image, an ELF file, or a RISC-V Linux `Image` (loaded at
/// `raw_at`), gzip'd or not.
fn load_kernel(spec: &str, ram_size: u64, raw_at: u64) -> Result<ElfImage, LoadError> {
    let path = Path::new(spec);
    if !path.exists() {
        return load_image(spec, ram_size);
    }
    let bytes = read_guest_file(path, ram_size)?;
    let image = images::kernel(&bytes, &path.display().to_string(), raw_at, ram_size)?;
    warn_if_symbols_dropped(&image);
    Ok(image)
}

/// The `--bios` firmware at `path`: an ELF file or a raw binary.
fn load_firmware(path: &Path, ram_size: u64) -> Result<ElfImage, Failure> {
    let bytes = read_guest_file(path, ram_size).map_err(load_failure)?;
    let image = images::firmware(&bytes, &path.display().to_string(), ram_size).map_err(load_failure)?;
    warn_if_symbols_dropped(&image);
    Ok(image)
}

/// Says in one line that `image` loads without its symbols, and why.
fn warn_if_symbols_dropped(image: &ElfImage) {
    if let Some(why) = &image.dropped_symbols {
        say(&format!(
            "rvsim: warning: {:?}: its section or symbol tables are corrupt ({why}); loading it without symbols",
            image.name
        ));
    }
}

/// The initrd's files: the built-in programs and shared code objects,
/// plus user ELF files (which
/// replace built-ins of the same name).
pub(super) fn initrd_files(extra: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = builtin::of_kind(ImageKind::Program)
        .chain(builtin::of_kind(ImageKind::Library))
        .filter(|p| !extra.iter().any(|(name, _)| name == p.name))
        .map(|p| (p.name.to_string(), p.elf.to_vec()))
        .collect();
    files.extend(extra.iter().cloned());
    files
}

/// A user ELF file for the initrd of a guest with `ram_size` bytes of RAM:
/// checked to be an RV64 executable, named by its file name.
pub(super) fn user_program(path: &Path, ram_size: u64) -> Result<(String, Vec<u8>), Failure> {
    let shown = path.display().to_string();
    let bytes = read_guest_file(path, ram_size).map_err(load_failure)?;
    let image = ElfImage::parse(&bytes, &shown).map_err(load_failure)?;
    warn_if_symbols_dropped(&image);
    // The kernel's loader, too, needs only the program headers, but it
    // checks the section headers' bounds: corrupt ones go.
    let bytes = if image.dropped_symbols.is_some() { without_section_headers(&bytes) } else { bytes };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| (exit_code::LOAD, format!("{shown:?}: no file name")))?;
    Ok((name.to_string(), bytes))
}

pub(super) fn archive(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, Failure> {
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    crate::initrd::build(&refs).map_err(|e| (exit_code::LOAD, format!("initrd: {e}")))
}

/// What `rvsim run` boots: firmware, the kernel, an initrd, boot arguments.
pub(super) struct Boot {
    /// Firmware that runs first (`--bios`).
    pub firmware: Option<ElfImage>,
    /// The kernel (or bare-metal program).
    pub kernel: ElfImage,
    /// The initrd, when booting the teaching kernel.
    pub initrd: Option<Vec<u8>>,
    /// Its files: the user programs, for symbols.
    pub programs: Vec<(String, Vec<u8>)>,
    /// The first process's program.
    pub first: Option<String>,
    /// The kernel command line.
    pub bootargs: String,
    /// Whether the console is the user's terminal.
    pub interactive: bool,
}

/// Where the guest's console input comes from, as far as booting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Input {
    /// The host's standard input (echoed by the kernel only if a terminal).
    Stdin,
    /// None at all (`rvsim bench`): the command line must not depend on
    /// the terminal rvsim was started from.
    None,
}

/// What `args` boot: a bare-metal kernel, or the kernel with PROGRAM as
/// its first process; `input` decides whether the kernel echoes.
pub(super) fn plan_boot(args: &BootArgs, input: Input) -> Result<Boot, Failure> {
    match &args.program {
        None => plan_bare_metal(args),
        Some(program) => plan_kernel(args, program, input),
    }
}

/// A bare-metal boot: the kernel owns the machine.
fn plan_bare_metal(args: &BootArgs) -> Result<Boot, Failure> {
    if let (None, Some(bios)) = (&args.kernel, args.bios.as_deref().filter(|b| *b != "none")) {
        return plan_firmware_alone(args, bios);
    }
    let spec = args.kernel.as_deref().ok_or_else(|| {
        (
            exit_code::USAGE,
            "nothing to run: give a PROGRAM, or --kernel FILE for bare metal (see 'rvsim --help')".into(),
        )
    })?;
    if args.kernel_log.is_some() {
        return Err((exit_code::USAGE, "--kernel-log needs a PROGRAM: a bare-metal kernel has no kernel log".into()));
    }
    let firmware = match args.bios.as_deref() {
        None | Some("none") => None,
        Some(path) => Some(load_firmware(Path::new(path), args.memory)?),
    };
    let raw_at = images::kernel_start(firmware.as_ref().map(|f| f.extent().1));
    let kernel = load_kernel(spec, args.memory, raw_at).map_err(load_failure)?;
    let initrd = initrd_file(args)?;
    Ok(Boot {
        firmware,
        kernel,
        initrd,
        programs: Vec::new(),
        first: None,
        bootargs: args.append.clone(),
        interactive: false,
    })
}

/// Refuses what only `rvsim run` and `rvsim debug` boot (firmware, an
/// initrd file, several harts) for `what`, which runs one hart bare.
pub(super) fn refuse_firmware_and_harts(args: &BootArgs, what: &str) -> Result<(), Failure> {
    let given = [(args.bios.is_some(), "--bios"), (args.initrd.is_some(), "--initrd"), (args.smp > 1, "--smp")];
    match given.iter().find(|(given, _)| *given) {
        Some((_, option)) => {
            Err((exit_code::USAGE, format!("{option}: {what} runs one hart, without firmware or an initrd")))
        }
        None => Ok(()),
    }
}

/// The `--initrd` file's contents, if one is given.
fn initrd_file(args: &BootArgs) -> Result<Option<Vec<u8>>, Failure> {
    args.initrd.as_deref().map(|path| read_guest_file(path, args.memory).map_err(load_failure)).transpose()
}

/// `--bios` without `--kernel`: the firmware is all there is to run, as
/// QEMU runs `-bios` alone.
fn plan_firmware_alone(args: &BootArgs, bios: &str) -> Result<Boot, Failure> {
    let firmware = load_firmware(Path::new(bios), args.memory)?;
    let initrd = initrd_file(args)?;
    Ok(Boot {
        firmware: None,
        kernel: firmware,
        initrd,
        programs: Vec::new(),
        first: None,
        bootargs: args.append.clone(),
        interactive: false,
    })
}

/// The kernel (built-in unless `--kernel`), with `program` first.
fn plan_kernel(args: &BootArgs, program: &str, input: Input) -> Result<Boot, Failure> {
    for (given, option) in [(args.bios.is_some(), "--bios"), (args.initrd.is_some(), "--initrd")] {
        if given {
            return Err((
                exit_code::USAGE,
                format!(
                    "{option} is for a --kernel booted bare: the teaching kernel runs without firmware, on an initrd of its programs"
                ),
            ));
        }
    }
    if args.smp > 1 {
        return Err((
            exit_code::USAGE,
            format!("--smp {}: the teaching kernel runs on one hart (--smp is for a --kernel booted bare)", args.smp),
        ));
    }
    let kernel = match &args.kernel {
        Some(spec) => load_image(spec, args.memory).map_err(load_failure)?,
        None => ElfImage::parse(builtin::kernel().elf, "rvsim-kernel").map_err(load_failure)?,
    };
    let (name, extra) = first_program(program, args.memory)?;
    let programs = initrd_files(&extra);
    let initrd = archive(&programs)?;
    let bootargs = kernel_command_line(args, &name, input);
    if args.kernel.is_none() {
        check_kernel_memory(&kernel, initrd.len() as u64, &bootargs, args.memory)?;
    }
    Ok(Boot { firmware: None, kernel, initrd: Some(initrd), programs, first: Some(name), bootargs, interactive: true })
}

/// Refuses a `--memory` the built-in kernel cannot boot in with this
/// initrd (its heap, page tables, initrd and device tree must all fit),
/// naming the least that works.
fn check_kernel_memory(kernel: &ElfImage, initrd_len: u64, bootargs: &str, memory: u64) -> Result<(), Failure> {
    let tree = DeviceTreeConfig { memory_size: memory, bootargs: bootargs.to_string(), initrd: Some((0, 0)), harts: 1 };
    let dtb_len = fdt::build(&tree).map_err(|e| (exit_code::LOAD, e))?.len() as u64;
    let (_, image_end) = kernel.extent();
    if boot_layout::kernel_boots(RAM_BASE, memory, image_end, initrd_len, dtb_len) {
        return Ok(());
    }
    let least = boot_layout::least_kernel_ram(RAM_BASE, image_end, initrd_len, dtb_len, MAX_RAM_SIZE);
    let least = least.map_or_else(|| "no size does".to_string(), |least| format!("it needs at least {}M", least >> 20));
    Err((
        exit_code::USAGE,
        format!(
            "--memory {} is too small for the teaching kernel and its {} KiB initrd: {least}",
            shown(memory),
            initrd_len >> 10
        ),
    ))
}

/// A memory size as `--memory` takes it: in MiB when whole, else KiB.
fn shown(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) { format!("{}M", bytes >> 20) } else { format!("{}K", bytes >> 10) }
}

/// A file of the initrd: its name and contents.
pub(super) type InitrdFile = (String, Vec<u8>);

/// The first program's name in the initrd, and the file to add for it
/// (none for a built-in program).
fn first_program(program: &str, ram_size: u64) -> Result<(String, Vec<InitrdFile>), Failure> {
    let path = Path::new(program);
    let names_a_path = path.exists() || program.contains(std::path::MAIN_SEPARATOR);
    let is_builtin = builtin::find(program).is_some_and(|p| p.kind == ImageKind::Program);
    if !names_a_path && is_builtin {
        return Ok((program.to_string(), Vec::new()));
    }
    if !names_a_path {
        return Err((
            exit_code::LOAD,
            format!("{program:?}: no such file, and no built-in program of that name ('rvsim list' shows them)"),
        ));
    }
    let (name, bytes) = user_program(path, ram_size)?;
    Ok((name.clone(), vec![(name, bytes)]))
}

/// The kernel command line: `--append`, the options rvsim adds, `--`,
/// then the first program `name` and its arguments.
fn kernel_command_line(args: &BootArgs, name: &str, input: Input) -> String {
    let mut bootargs = args.append.trim().to_string();
    // Input that is not a terminal is not echoed, as on any system; this
    // also keeps output reproducible when input is piped in.
    if input == Input::Stdin && !rustix::termios::isatty(rustix::stdio::stdin()) {
        bootargs.push_str(" echo=off");
    }
    if let Some(logs) = &args.kernel_log {
        bootargs.push_str(&format!(" log={logs}"));
    }
    bootargs.push_str(" --");
    for word in std::iter::once(name).chain(args.args.iter().map(String::as_str)) {
        bootargs.push(' ');
        bootargs.push_str(&quote(word));
    }
    bootargs.trim().to_string()
}

/// A word for the kernel command line: quoted when it holds spaces or
/// quotes, or is empty.
fn quote(word: &str) -> String {
    if !word.is_empty() && !word.chars().any(|c| c.is_whitespace() || c == '"' || c == '\\') {
        return word.to_string();
    }
    let mut quoted = String::from("\"");
    for c in word.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_spaces_or_quotes_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("two words"), "\"two words\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a\"b\\"), "\"a\\\"b\\\\\"");
    }
}

//! Guest images built into the `rvsim` binary. The build script compiles
//! the crates under `guest-programs/` for riscv64 and embeds the results,
//! so a fresh clone runs them with no extra step.

/// What a built-in image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// A bare-metal program booted with `--kernel`: it owns the machine
    /// from M-mode.
    BareMetal,
    /// The teaching kernel.
    Kernel,
    /// A user program for the kernel, put in the initrd.
    Program,
    /// A shared code object for the kernel's bind call, put in the initrd.
    Library,
}

/// A guest image embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinImage {
    /// Name used on the command line.
    pub name: &'static str,
    /// One line saying what it does (its source's first doc line).
    pub summary: &'static str,
    /// What kind of image it is.
    pub kind: ImageKind,
    /// The ELF file.
    pub elf: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/builtin_images.rs"));

/// Every built-in image.
pub fn all() -> &'static [BuiltinImage] {
    BUILTIN_IMAGES
}

/// The built-in image called `name`.
pub fn find(name: &str) -> Option<&'static BuiltinImage> {
    BUILTIN_IMAGES.iter().find(|image| image.name == name)
}

/// The built-in images of one kind.
pub fn of_kind(kind: ImageKind) -> impl Iterator<Item = &'static BuiltinImage> {
    BUILTIN_IMAGES.iter().filter(move |image| image.kind == kind)
}

/// The built-in teaching kernel.
pub fn kernel() -> &'static BuiltinImage {
    of_kind(ImageKind::Kernel).next().expect("the build embeds the kernel")
}

//! Links the shared code objects with `link.ld` (at their link address),
//! keeping the linker's relocations in the file (`--emit-relocs`): the
//! kernel reads them to bind an object at another address.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
    println!("cargo:rustc-link-arg-bins=--emit-relocs");
    println!("cargo:rerun-if-changed=link.ld");
}

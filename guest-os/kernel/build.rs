//! Links the kernel with its linker script (`link.ld`: the image at the start
//! of RAM, with the section symbols `kvm.rs` maps by).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
}

//! Where a boot puts things in RAM, as QEMU's `-kernel`, `-initrd` and
//! device tree do (the kernel's image at its addresses, the initrd half
//! way up RAM, the device tree near the top), and the least RAM in which
//! the teaching kernel boots with them: its own layout (heap after the
//! image, then frames) is `rvsim_kernel_core::boot_memory`, checked here
//! on the host so that too small a `--memory` is a one-line error.

use rvsim_kernel_core::boot_memory;

/// Where the initrd and the device tree go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The initrd's range, if there is one.
    pub initrd: Option<(u64, u64)>,
    /// The device tree's address.
    pub dtb: u64,
}

/// QEMU: the initrd goes min(RAM / 2, 128 MiB) above the start of RAM.
pub fn initrd_start(ram_start: u64, ram_end: u64) -> u64 {
    ram_start + ((ram_end - ram_start) / 2).min(128 << 20)
}

/// QEMU: the device tree goes at the highest 2 MiB boundary that leaves
/// room for it, if that is in the upper half of RAM, else just below the
/// top.
pub fn device_tree_address(ram_start: u64, ram_end: u64, size: u64) -> u64 {
    let top = ram_end - size;
    let aligned = top & !((2 << 20) - 1);
    if aligned >= ram_start + (ram_end - ram_start) / 2 { aligned } else { top & !0xfff }
}

/// Places an initrd of `initrd_len` bytes (if any) and a device tree of
/// `dtb_len` bytes in RAM `[ram_start, ram_end)` around a kernel image
/// ending at `image_end`; fails saying what does not fit.
pub fn place(
    ram_start: u64,
    ram_end: u64,
    image_end: u64,
    initrd_len: Option<u64>,
    dtb_len: u64,
) -> Result<Placement, String> {
    let dtb = device_tree_address(ram_start, ram_end, dtb_len);
    if dtb < image_end {
        return Err(format!("the image ends at {image_end:#x}, over the device tree at {dtb:#x}; give more --memory"));
    }
    let initrd = initrd_len.map(|len| (initrd_start(ram_start, ram_end), initrd_start(ram_start, ram_end) + len));
    if let (Some(len), Some((start, end))) = (initrd_len, initrd)
        && (start < image_end || end > dtb)
    {
        return Err(format!(
            "{len} bytes do not fit between the kernel (ending at {image_end:#x}) and the device tree at {dtb:#x}; \
             give more --memory"
        ));
    }
    Ok(Placement { initrd, dtb })
}

/// Whether the teaching kernel, its image ending at `image_end`, boots in
/// RAM `[ram_start, ram_start + size)` with an initrd of `initrd_len`
/// bytes and a device tree of `dtb_len` bytes.
pub fn kernel_boots(ram_start: u64, size: u64, image_end: u64, initrd_len: u64, dtb_len: u64) -> bool {
    let ram_end = ram_start + size;
    let Ok(placement) = place(ram_start, ram_end, image_end, Some(initrd_len), dtb_len) else { return false };
    let placed = [placement.initrd.unwrap_or((0, 0)), (placement.dtb, placement.dtb + dtb_len)];
    boot_memory::layout(ram_start, image_end, ram_end, &placed).is_ok()
}

/// The least RAM, in whole MiB up to `max`, in which the teaching kernel
/// boots (see [`kernel_boots`]).
pub fn least_kernel_ram(ram_start: u64, image_end: u64, initrd_len: u64, dtb_len: u64, max: u64) -> Option<u64> {
    (1..=max >> 20).map(|mib| mib << 20).find(|&size| kernel_boots(ram_start, size, image_end, initrd_len, dtb_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAM: u64 = 0x8000_0000;

    #[test]
    fn device_tree_goes_where_qemu_puts_it() {
        assert_eq!(device_tree_address(RAM, 0x8800_0000, 0x1000), 0x87e0_0000);
        assert_eq!(device_tree_address(RAM, 0x8010_0000, 0x1000), 0x800f_f000);
    }

    #[test]
    fn the_initrd_goes_half_way_up_at_most_128_mib() {
        assert_eq!(initrd_start(RAM, RAM + (16 << 20)), RAM + (8 << 20));
        assert_eq!(initrd_start(RAM, RAM + (1 << 30)), RAM + (128 << 20));
    }

    #[test]
    fn the_least_ram_is_the_first_size_that_boots() {
        let (image_end, initrd, dtb) = (RAM + 0x2_2000, 700 << 10, 0x1000);
        let least = least_kernel_ram(RAM, image_end, initrd, dtb, 1 << 30).expect("some size boots");
        assert!(kernel_boots(RAM, least, image_end, initrd, dtb));
        assert!(!kernel_boots(RAM, least - (1 << 20), image_end, initrd, dtb));
        assert!(!kernel_boots(RAM, 2 << 20, image_end, initrd, dtb), "2 MiB cannot hold the 2 MiB heap");
    }

    #[test]
    fn an_initrd_that_does_not_fit_is_refused() {
        assert!(place(RAM, RAM + (4 << 20), RAM + 0x2_2000, Some(3 << 20), 0x1000).is_err());
        assert!(place(RAM, RAM + (64 << 20), RAM + 0x2_2000, Some(3 << 20), 0x1000).is_ok());
    }
}

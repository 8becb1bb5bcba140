//! What the device tree says about this boot: RAM, boot arguments, and
//! the initrd (with the fdt crate).

use fdt::Fdt;

/// Boot information.
pub struct BootInfo {
    /// First byte of RAM.
    pub ram_start: u64,
    /// One past the last byte of RAM.
    pub ram_end: u64,
    /// `/chosen/bootargs`.
    pub bootargs: &'static str,
    /// The initrd (a cpio "newc" archive of programs), if any.
    pub initrd: &'static [u8],
    /// Where the device tree itself lies.
    pub dtb: (u64, u64),
}

/// Reads the device tree at physical address `dtb`.
pub fn read(dtb: usize) -> Result<BootInfo, &'static str> {
    // SAFETY: the boot protocol passes a device tree in a1.
    let tree = unsafe { Fdt::from_ptr(dtb as *const u8) }.map_err(|_| "no valid device tree in a1")?;
    let region = tree.memory().regions().next().ok_or("the device tree lists no memory")?;
    let ram_start = region.starting_address as u64;
    let ram_end = ram_start + region.size.ok_or("the memory region has no size")? as u64;
    let chosen = tree.find_node("/chosen");
    let prop = |name| chosen.as_ref().and_then(|c| c.property(name)).and_then(|p| p.as_usize());
    let initrd = match (prop("linux,initrd-start"), prop("linux,initrd-end")) {
        (Some(start), Some(end)) if end > start => {
            // SAFETY: the initrd lies in RAM, reserved from the frame
            // allocator, and is never written.
            unsafe { core::slice::from_raw_parts(start as *const u8, end - start) }
        }
        _ => &[],
    };
    let bootargs = tree.chosen().bootargs().unwrap_or("");
    Ok(BootInfo { ram_start, ram_end, bootargs, initrd, dtb: (dtb as u64, dtb as u64 + tree.total_size() as u64) })
}

//! The flattened device tree rvsim hands the guest in a1 at boot,
//! describing memory, the hart, the devices and `/chosen` (boot arguments
//! and initrd) in the shape QEMU `virt` uses, so that the same kernel reads
//! both.

use vm_fdt::{FdtWriter, FdtWriterResult};

use crate::cpu::TIMEBASE_HZ;
use crate::memmap::*;

/// What the device tree describes beyond the fixed memory map.
#[derive(Debug, Clone, Default)]
pub struct DeviceTreeConfig {
    /// RAM size in bytes.
    pub memory_size: u64,
    /// `/chosen/bootargs`.
    pub bootargs: String,
    /// Start and end of the initrd in guest memory, if any.
    pub initrd: Option<(u64, u64)>,
    /// Harts (at least 1).
    pub harts: usize,
}

const PLIC_PHANDLE: u32 = 1;
const TEST_PHANDLE: u32 = 99;

/// The ISA, as `riscv,isa` spells it.
const ISA: &str = "rv64imafdc_zicntr_zicsr_zifencei_zba_zbb_zbs_sstc";

/// The ISA's extensions, one string each, as `riscv,isa-extensions` lists
/// them (after the base, `riscv,isa-base`).
const ISA_EXTENSIONS: [&str; 13] =
    ["i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei", "zba", "zbb", "zbs", "sstc"];

/// The phandle of hart `hart`'s local interrupt controller.
fn intc_phandle(hart: usize) -> u32 {
    2 + hart as u32
}

/// An `interrupts-extended` list: each hart's local controller with each
/// of `irqs`, hart by hart.
fn per_hart(harts: usize, irqs: &[u32]) -> Vec<u32> {
    (0..harts).flat_map(|h| irqs.iter().flat_map(move |&irq| [intc_phandle(h), irq])).collect()
}

/// Interrupt numbers of the hart-local interrupt controller.
const IRQ_M_SOFT: u32 = 3;
const IRQ_M_TIMER: u32 = 7;
const IRQ_S_EXT: u32 = 9;
const IRQ_M_EXT: u32 = 11;

fn reg(base: u64, size: u64) -> [u64; 2] {
    [base, size]
}

/// Builds the device tree blob.
pub fn build(config: &DeviceTreeConfig) -> Result<Vec<u8>, String> {
    write(config).map_err(|e| format!("cannot build the device tree: {e}"))
}

fn write(config: &DeviceTreeConfig) -> FdtWriterResult<Vec<u8>> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "riscv-virtio")?;
    fdt.property_string("model", "rvsim,virt (QEMU virt compatible)")?;

    let chosen = fdt.begin_node("chosen")?;
    fdt.property_string("bootargs", &config.bootargs)?;
    fdt.property_string("stdout-path", &format!("/soc/serial@{UART_BASE:x}"))?;
    if let Some((start, end)) = config.initrd {
        fdt.property_u64("linux,initrd-start", start)?;
        fdt.property_u64("linux,initrd-end", end)?;
    }
    fdt.end_node(chosen)?;

    let memory = fdt.begin_node(&format!("memory@{RAM_BASE:x}"))?;
    fdt.property_string("device_type", "memory")?;
    fdt.property_array_u64("reg", &reg(RAM_BASE, config.memory_size))?;
    fdt.end_node(memory)?;

    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("timebase-frequency", TIMEBASE_HZ as u32)?;
    for hart in 0..config.harts.max(1) {
        write_cpu(&mut fdt, hart)?;
    }
    fdt.end_node(cpus)?;

    let soc = fdt.begin_node("soc")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "simple-bus")?;
    fdt.property_null("ranges")?;

    let test = fdt.begin_node(&format!("test@{TEST_FINISHER_BASE:x}"))?;
    fdt.property_string_list("compatible", vec!["sifive,test1".into(), "sifive,test0".into(), "syscon".into()])?;
    fdt.property_array_u64("reg", &reg(TEST_FINISHER_BASE, TEST_FINISHER_SIZE))?;
    fdt.property_phandle(TEST_PHANDLE)?;
    fdt.end_node(test)?;

    let clint = fdt.begin_node(&format!("clint@{CLINT_BASE:x}"))?;
    fdt.property_string_list("compatible", vec!["sifive,clint0".into(), "riscv,clint0".into()])?;
    fdt.property_array_u64("reg", &reg(CLINT_BASE, CLINT_SIZE))?;
    fdt.property_array_u32("interrupts-extended", &per_hart(config.harts.max(1), &[IRQ_M_SOFT, IRQ_M_TIMER]))?;
    fdt.end_node(clint)?;

    let plic = fdt.begin_node(&format!("plic@{PLIC_BASE:x}"))?;
    fdt.property_string_list("compatible", vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()])?;
    fdt.property_array_u64("reg", &reg(PLIC_BASE, PLIC_SIZE))?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_u32("riscv,ndev", crate::devices::plic::SOURCES as u32 - 1)?;
    // Context 2h is hart h's M mode, 2h+1 its S mode.
    fdt.property_array_u32("interrupts-extended", &per_hart(config.harts.max(1), &[IRQ_M_EXT, IRQ_S_EXT]))?;
    fdt.property_phandle(PLIC_PHANDLE)?;
    fdt.end_node(plic)?;

    let serial = fdt.begin_node(&format!("serial@{UART_BASE:x}"))?;
    fdt.property_string("compatible", "ns16550a")?;
    fdt.property_array_u64("reg", &reg(UART_BASE, UART_SIZE))?;
    fdt.property_u32("clock-frequency", 3_686_400)?;
    fdt.property_u32("interrupts", crate::machine::UART_IRQ as u32)?;
    fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
    fdt.end_node(serial)?;

    // Every virtio-mmio window, with or without a device, as QEMU lists
    // them (highest first); drivers probe each and skip empty ones.
    for slot in (0..VIRTIO_SLOTS as u64).rev() {
        let base = VIRTIO_BASE + slot * VIRTIO_SIZE;
        let node = fdt.begin_node(&format!("virtio_mmio@{base:x}"))?;
        fdt.property_string("compatible", "virtio,mmio")?;
        fdt.property_array_u64("reg", &reg(base, VIRTIO_SIZE))?;
        fdt.property_u32("interrupts", VIRTIO_IRQ + slot as u32)?;
        fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
        fdt.end_node(node)?;
    }

    fdt.end_node(soc)?;
    // Power off and reset through the test finisher, as QEMU describes
    // them: what Linux's syscon drivers and OpenSBI's system reset use.
    for (name, compatible, value) in [("poweroff", "syscon-poweroff", 0x5555), ("reboot", "syscon-reboot", 0x7777)] {
        let node = fdt.begin_node(name)?;
        fdt.property_string("compatible", compatible)?;
        fdt.property_u32("regmap", TEST_PHANDLE)?;
        fdt.property_u32("offset", 0)?;
        fdt.property_u32("value", value)?;
        fdt.end_node(node)?;
    }
    fdt.end_node(root)?;
    fdt.finish()
}

/// The node of hart `hart`, with its local interrupt controller.
fn write_cpu(fdt: &mut FdtWriter, hart: usize) -> FdtWriterResult<()> {
    let cpu = fdt.begin_node(&format!("cpu@{hart}"))?;
    fdt.property_string("device_type", "cpu")?;
    fdt.property_u32("reg", hart as u32)?;
    fdt.property_string("status", "okay")?;
    fdt.property_string("compatible", "riscv")?;
    fdt.property_string("riscv,isa", ISA)?;
    fdt.property_string("riscv,isa-base", "rv64i")?;
    fdt.property_string_list("riscv,isa-extensions", ISA_EXTENSIONS.iter().map(|e| e.to_string()).collect())?;
    fdt.property_string("mmu-type", "riscv,sv39")?;
    let intc = fdt.begin_node("interrupt-controller")?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_string("compatible", "riscv,cpu-intc")?;
    fdt.property_phandle(intc_phandle(hart))?;
    fdt.end_node(intc)?;
    fdt.end_node(cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_is_a_valid_fdt_naming_memory_and_bootargs() {
        let blob = build(&DeviceTreeConfig {
            memory_size: 64 << 20,
            bootargs: "cow=off".into(),
            initrd: Some((0x8400_0000, 0x8400_1000)),
            harts: 3,
        })
        .unwrap();
        assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed], "FDT magic");
        let total = u32::from_be_bytes(blob[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, blob.len());
        let has = |needle: &[u8]| blob.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"cow=off\0"));
        assert!(has(b"memory@80000000\0"));
        assert!(has(b"virtio_mmio@10001000\0") && has(b"virtio_mmio@10008000\0"));
        assert!(has(b"riscv,sv39\0"));
        assert!(has(b"cpu@0\0") && has(b"cpu@2\0") && !has(b"cpu@3\0"), "one node per hart");
        assert!(has(b"rv64imafdc_zicntr_zicsr_zifencei_zba_zbb_zbs_sstc\0"));
        assert!(has(b"zifencei\0zba\0zbb\0zbs\0sstc\0"), "riscv,isa-extensions");
        assert!(has(b"syscon-poweroff\0") && has(b"syscon-reboot\0"));
        // The PLIC's contexts: hart 2's local controller (phandle 4) with
        // 11 (M external), then with 9 (S external), last.
        assert!(has(&[0, 0, 0, 4, 0, 0, 0, 11, 0, 0, 0, 4, 0, 0, 0, 9]));
        // The memory node's reg: base 0x80000000, size 64 MiB, big-endian cells.
        assert!(has(&[0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0]));
    }
}

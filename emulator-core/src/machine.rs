//! The whole machine: a hart, its bus and devices, the boot protocol
//! (QEMU `-bios none`: M-mode at the entry point, a0 = hart id, a1 = device
//! tree) and the run loop that interleaves execution with device work,
//! interrupts and idle time.

use std::io::Write;
use std::time::Duration;

use crate::boot_layout;
use crate::bus::Bus;
use crate::cpu::{Cpu, STEPS_PER_TICK, Trap, irq};
use crate::devices::plic::{Gateway, MAX_HARTS};
use crate::devices::virtio::VirtioDevice;
use crate::devices::virtio::blk::Block;
use crate::devices::virtio::net::Net;
use crate::devices::virtio::storage::Storage;
use crate::devices::{ConsoleInput, Htif, Uart};
use crate::fdt::{self, DeviceTreeConfig};
use crate::loader::{ElfImage, LoadError, Symbols};
use crate::memmap::*;
use crate::mmu::MmuConfig;
use crate::ram::Ram;

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The guest asked to end with this exit code (test finisher or HTIF).
    Exit(u64),
    /// The guest asked the test finisher for a reset, which rvsim does not
    /// perform.
    ResetRequested,
    /// The instruction limit given to [`Machine::run`] was reached.
    InstructionLimit(u64),
    /// The hart can make no further progress; the text says why.
    Stuck(String),
    /// The user typed the console escape Ctrl-A x.
    Quit,
    /// A breakpoint or watchpoint a tool set.
    Debug(crate::cpu::DebugStop),
}

/// How to build a machine.
pub struct MachineConfig {
    /// RAM size in bytes.
    pub memory_size: u64,
    /// Where console (UART) output goes.
    pub console_output: Box<dyn Write + Send>,
    /// Where console input comes from.
    pub console_input: ConsoleInput,
    /// Kernel command line, placed in the device tree's `/chosen/bootargs`.
    pub bootargs: String,
    /// TLB shape and A/D policy.
    pub mmu: MmuConfig,
    /// Disks, behind the virtio-mmio windows in order from the first.
    pub disks: Vec<Disk>,
    /// A network device, in the window after the disks.
    pub nic: Option<Nic>,
    /// How the PLIC's gateways make sources pending.
    pub plic: Gateway,
    /// Harts (1 to [`MAX_HARTS`]).
    pub harts: usize,
    /// The engine that runs unobserved instructions.
    pub engine: crate::engine::Engine,
    /// When the translator translates (under `Engine::Jit`).
    pub jit: crate::engine::JitTuning,
}

/// A network device to attach: a virtio-net device with address `mac`,
/// joined to a network by `backend`.
pub struct Nic {
    /// Its Ethernet address.
    pub mac: crate::net::Mac,
    /// What it sends through.
    pub backend: Box<dyn crate::net::Backend>,
}

/// A disk to attach: a virtio-blk device over `storage`.
pub struct Disk {
    /// Its contents.
    pub storage: Storage,
    /// The guest may not write it.
    pub readonly: bool,
    /// What GET_ID answers (QEMU's `serial=`).
    pub serial: String,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            memory_size: DEFAULT_RAM_SIZE,
            console_output: Box::new(std::io::stdout()),
            console_input: ConsoleInput::None,
            bootargs: String::new(),
            mmu: MmuConfig::default(),
            disks: Vec::new(),
            nic: None,
            plic: Gateway::default(),
            harts: 1,
            engine: crate::engine::Engine::default(),
            jit: crate::engine::JitTuning::default(),
        }
    }
}

/// Steps between polls of the console and checks of the timer when nothing
/// else asks for attention.
const POLL_INTERVAL: u64 = 1 << 16;

/// Longest single host sleep while the hart idles in `wfi`; it then looks
/// again, so a slow timer never makes rvsim unresponsive.
const MAX_IDLE_SLEEP: Duration = Duration::from_millis(50);

/// Longest host sleep of a hart idling while frames may come from a
/// socket at any moment.
const NETWORK_POLL: Duration = Duration::from_millis(1);

/// PLIC source of the UART, as on QEMU virt.
pub const UART_IRQ: usize = 10;

/// Host time of one timer tick (10 MHz).
const TICK: Duration = Duration::from_nanos(1_000_000_000 / crate::cpu::TIMEBASE_HZ);

/// OpenSBI's `fw_dynamic_info` (firmware/fw_dynamic.md), as QEMU writes
/// it: magic "OSBI", version 2, the next stage's address, its mode (1,
/// S-mode), no options, and hart 0 as the preferred boot hart.
fn fw_dynamic_info(next_addr: u64) -> Vec<u8> {
    [0x4942_534f, 2, next_addr, 1, 0, 0].iter().flat_map(|word: &u64| word.to_le_bytes()).collect()
}

/// Steps each hart runs in its turn when a machine has several: the
/// harts take turns on one host thread, round-robin, so a run is
/// reproducible. At the end of each round every hart's clock reads the
/// same.
pub const QUANTUM: u64 = 10_000;

/// A QEMU `virt`-compatible machine with one to eight RV64 harts.
pub struct Machine {
    /// The harts. The one that ran last holds the bus; the others hold a
    /// parked one (see [`Cpu::lend_bus`]).
    harts: Vec<Cpu>,
    /// Which hart holds the bus.
    holder: usize,
    /// The hart tools look at ([`Machine::cpu`]): hart 0 until a tool
    /// chooses another, or a hart stops at a breakpoint or watchpoint.
    focus: usize,
    /// Symbols of the loaded kernel, for traces and debuggers.
    pub symbols: Symbols,
    /// Where the device tree was placed.
    pub dtb_addr: u64,
    device_tree: DeviceTreeConfig,
    /// Idle time passes without the host sleeping (see
    /// [`Machine::set_virtual_idle`]).
    virtual_idle: bool,
}

impl Machine {
    /// Builds a machine with empty RAM, the hart in its reset state.
    pub fn new(config: MachineConfig) -> Result<Machine, String> {
        if !(MIN_RAM_SIZE..=MAX_RAM_SIZE).contains(&config.memory_size) || !config.memory_size.is_multiple_of(4096) {
            return Err(format!(
                "memory size {} is not a multiple of 4 KiB between {} MiB and {} GiB",
                config.memory_size,
                MIN_RAM_SIZE >> 20,
                MAX_RAM_SIZE >> 30
            ));
        }
        if !(1..=MAX_HARTS).contains(&config.harts) {
            return Err(format!("{} harts asked for: a machine has 1 to {MAX_HARTS}", config.harts));
        }
        let ram = Ram::new(RAM_BASE, config.memory_size)?;
        let uart = Uart::new(config.console_output, config.console_input);
        let device_tree = DeviceTreeConfig {
            memory_size: config.memory_size,
            bootargs: config.bootargs,
            initrd: None,
            harts: config.harts,
        };
        config.mmu.tlb.validate()?;
        let devices = config.disks.len() + config.nic.is_some() as usize;
        if devices > VIRTIO_SLOTS {
            return Err(format!("{devices} virtio devices given: the machine has {VIRTIO_SLOTS} virtio slots"));
        }
        let mut bus = Bus::new(ram, uart, config.harts);
        bus.plic.gateway = config.plic;
        let disks = config.disks.into_iter().map(|d| Box::new(Block::new(d.storage, d.readonly, &d.serial)) as _);
        let nic = config.nic.map(|n| Box::new(Net::new(n.mac, n.backend)) as Box<dyn VirtioDevice>);
        for (slot, device) in disks.chain(nic).enumerate() {
            bus.attach(slot, device);
        }
        let mut holder = Cpu::new(bus, config.mmu);
        holder.set_engine(config.engine, config.jit);
        let mut harts = vec![holder];
        for hart_id in 1..config.harts {
            let mut hart = Cpu::new(Bus::parked()?, config.mmu);
            hart.hart_id = hart_id;
            harts.push(hart);
        }
        Ok(Machine {
            harts,
            holder: 0,
            focus: 0,
            symbols: Symbols::default(),
            dtb_addr: 0,
            device_tree,
            virtual_idle: false,
        })
    }

    /// How many harts the machine has.
    pub fn hart_count(&self) -> usize {
        self.harts.len()
    }

    /// Hart `hart`, to look at (it may not hold the bus).
    pub fn hart(&self, hart: usize) -> &Cpu {
        &self.harts[hart.min(self.harts.len() - 1)]
    }

    /// Hart `hart`, holding the bus, to run or to change.
    #[inline]
    pub fn hart_mut(&mut self, hart: usize) -> &mut Cpu {
        let hart = hart.min(self.harts.len() - 1);
        self.lend_bus(hart);
        &mut self.harts[hart]
    }

    /// The hart tools look at (see [`Machine::set_focus`]), holding the
    /// bus.
    #[inline]
    pub fn cpu(&mut self) -> &mut Cpu {
        self.hart_mut(self.focus)
    }

    /// The hart tools look at, to look at.
    pub fn focused(&self) -> &Cpu {
        &self.harts[self.focus]
    }

    /// Which hart tools look at.
    pub fn focus(&self) -> usize {
        self.focus
    }

    /// Makes tools look at hart `hart`; false if there is no such hart.
    pub fn set_focus(&mut self, hart: usize) -> bool {
        let exists = hart < self.harts.len();
        if exists {
            self.focus = hart;
        }
        exists
    }

    /// Runs hart `hart` alone until its clock reaches `end`, as a
    /// debugger's step or continue with the other harts held: `Some` if
    /// something stopped the machine first.
    pub fn run_hart_alone(&mut self, hart: usize, end: u64) -> Option<StopReason> {
        let hart = hart.min(self.harts.len() - 1);
        let stop = self.run_hart(hart, None, Some(end));
        self.bus_mut().uart.flush();
        stop
    }

    /// Every hart, to change (tools set breakpoints on each). The bus
    /// stays where it is.
    pub fn harts_mut(&mut self) -> &mut [Cpu] {
        &mut self.harts
    }

    /// Every hart.
    pub fn harts(&self) -> &[Cpu] {
        &self.harts
    }

    /// The bus: RAM and devices.
    pub fn bus(&self) -> &Bus {
        &self.harts[self.holder].bus
    }

    /// The bus, to change.
    pub fn bus_mut(&mut self) -> &mut Bus {
        &mut self.harts[self.holder].bus
    }

    /// Moves the bus to hart `to`.
    #[inline]
    fn lend_bus(&mut self, to: usize) {
        if to != self.holder {
            self.move_bus(to);
        }
    }

    /// Moves the bus from the hart holding it to hart `to`.
    fn move_bus(&mut self, to: usize) {
        let (from, into) = if self.holder < to {
            let (low, high) = self.harts.split_at_mut(to);
            (&mut low[self.holder], &mut high[0])
        } else {
            let (low, high) = self.harts.split_at_mut(self.holder);
            (&mut high[0], &mut low[to])
        };
        into.lend_bus(from);
        self.holder = to;
    }

    /// Loads `image` as QEMU's `-kernel` does and prepares the boot: the
    /// segments into RAM, the initrd (if any) where QEMU's `-initrd` puts
    /// it, the device tree near the top of RAM, every hart in M-mode at
    /// the entry point with a0 = its hart id and a1 = the device tree's
    /// address. An HTIF `tohost` symbol, if present, is connected.
    pub fn load_kernel(&mut self, image: &ElfImage, initrd: Option<&[u8]>) -> Result<(), LoadError> {
        self.load_segments(image)?;
        let ram = &mut self.harts[0].bus.ram;
        let (ram_start, ram_end) = (ram.base(), ram.end());
        let (_, image_end) = image.extent();
        let initrd_at = boot_layout::initrd_start(ram_start, ram_end);
        self.device_tree.initrd = initrd.map(|data| (initrd_at, initrd_at + data.len() as u64));
        let dtb = fdt::build(&self.device_tree).map_err(|e| LoadError::new(&image.name, e))?;
        let initrd_len = initrd.map(|data| data.len() as u64);
        let placement = boot_layout::place(ram_start, ram_end, image_end, initrd_len, dtb.len() as u64)
            .map_err(|e| LoadError::new(if initrd.is_some() { "initrd" } else { &image.name }, e))?;
        if let (Some(data), Some((start, _))) = (initrd, placement.initrd) {
            ram.slice_mut(start, data.len() as u64).expect("initrd checked inside RAM").copy_from_slice(data);
        }
        let dtb_addr = placement.dtb;
        ram.slice_mut(dtb_addr, dtb.len() as u64).expect("device tree placed inside RAM").copy_from_slice(&dtb);
        self.dtb_addr = dtb_addr;

        self.bus_mut().htif = match image.symbols.address_of("tohost") {
            Some(tohost) if tohost % 8 == 0 => {
                Htif { tohost, fromhost: image.symbols.address_of("fromhost").filter(|a| a % 8 == 0) }
            }
            _ => Htif::default(),
        };
        self.symbols = image.symbols.clone();
        for cpu in &mut self.harts {
            cpu.pc = image.entry;
            cpu.set_reg(10, cpu.hart_id as u64);
            cpu.set_reg(11, dtb_addr);
        }
        Ok(())
    }

    /// Loads `firmware` (as QEMU's `-bios`) beside a kernel already loaded
    /// by [`Machine::load_kernel`]: its segments into RAM (they must not
    /// overlap the kernel's), OpenSBI's `fw_dynamic_info` into the boot
    /// ROM (the next stage is the kernel's entry, in S-mode), and every
    /// hart at the firmware's entry with a0 = its hart id, a1 = the
    /// device tree and a2 = the info, as QEMU's reset vector leaves them.
    pub fn load_firmware(&mut self, firmware: &ElfImage, kernel: &ElfImage) -> Result<(), LoadError> {
        let (kernel_low, kernel_high) = kernel.extent();
        for segment in &firmware.segments {
            let end = segment.paddr.saturating_add(segment.mem_size);
            if segment.paddr < kernel_high && kernel_low < end {
                return Err(LoadError::new(
                    &firmware.name,
                    format!(
                        "its segment at {:#x}..{end:#x} overlaps the kernel ({kernel_low:#x}..{kernel_high:#x})",
                        segment.paddr
                    ),
                ));
            }
        }
        self.load_segments(firmware)?;
        let info = fw_dynamic_info(kernel.entry);
        self.bus_mut().rom = info;
        let dtb = self.dtb_addr;
        for cpu in &mut self.harts {
            cpu.pc = firmware.entry;
            cpu.set_reg(10, cpu.hart_id as u64);
            cpu.set_reg(11, dtb);
            cpu.set_reg(12, MROM_BASE);
        }
        Ok(())
    }

    /// Copies `image`'s segments into RAM (zeroing their bss), after
    /// checking that each, and the entry point, lie inside it.
    fn load_segments(&mut self, image: &ElfImage) -> Result<(), LoadError> {
        self.lend_bus(0);
        let ram = &mut self.harts[0].bus.ram;
        let (ram_start, ram_end) = (ram.base(), ram.end());
        for segment in &image.segments {
            let end = segment.paddr.checked_add(segment.mem_size);
            let fits = segment.paddr >= ram_start && end.is_some_and(|end| end <= ram_end);
            if !fits {
                return Err(LoadError::new(
                    &image.name,
                    format!(
                        "segment at {:#x}..{:#x} lies outside RAM ({:#x}..{:#x})",
                        segment.paddr,
                        segment.paddr.saturating_add(segment.mem_size),
                        ram_start,
                        ram_end
                    ),
                ));
            }
        }
        if !(ram_start..ram_end).contains(&image.entry) {
            return Err(LoadError::new(
                &image.name,
                format!("entry point {:#x} is outside RAM ({:#x}..{:#x})", image.entry, ram_start, ram_end),
            ));
        }
        for segment in &image.segments {
            let memory = ram.slice_mut(segment.paddr, segment.mem_size).expect("segment checked inside RAM");
            let (file_part, bss) = memory.split_at_mut(segment.data.len());
            file_part.copy_from_slice(&segment.data);
            bss.fill(0);
        }
        Ok(())
    }

    /// With `on`, a hart idling in `wfi` until the timer lets the time pass
    /// at once instead of sleeping on the host: for runs nobody watches
    /// (sweeps), where waiting in real time only costs wall-clock time.
    /// Guest time advances exactly as it would (to the timer, or the
    /// instruction limit); a wait that console input could end still
    /// sleeps.
    pub fn set_virtual_idle(&mut self, on: bool) {
        self.virtual_idle = on;
    }

    /// Runs until the guest stops the machine, a hart gets stuck, or
    /// `max_steps` instructions (counting those that trap) have executed
    /// (with several harts: until the machine's clock, which every hart's
    /// reads at the end of a round, reaches `max_steps`).
    pub fn run(&mut self, max_steps: Option<u64>) -> StopReason {
        let stop = if self.harts.len() == 1 {
            self.run_hart(0, max_steps, None).unwrap_or_else(|| StopReason::Stuck("no hart ran".into()))
        } else {
            self.run_rounds(max_steps)
        };
        self.bus_mut().uart.flush();
        stop
    }

    /// Several harts take turns of [`QUANTUM`] steps, round-robin, until
    /// one of them stops the machine. A hart's LR reservation does not
    /// survive another hart's turn: a store there would have broken it,
    /// and the specification lets an SC fail for no visible reason.
    fn run_rounds(&mut self, max_steps: Option<u64>) -> StopReason {
        loop {
            if self.all_asleep()
                && let Err(stuck) = self.idle(max_steps)
            {
                return stuck;
            }
            let start = self.harts[0].steps();
            let end = max_steps.map_or(start + QUANTUM, |max| max.min(start + QUANTUM)).max(start + 1);
            for hart in 0..self.harts.len() {
                let retired = self.harts[hart].retired();
                if let Some(stop) = self.run_hart(hart, None, Some(end)) {
                    return stop;
                }
                if self.harts[hart].retired() != retired {
                    self.harts.iter_mut().filter(|h| h.hart_id != hart).for_each(|h| h.reservation = None);
                }
            }
            // The limit ends the run once every hart has reached it.
            if let Some(max) = max_steps.filter(|&max| end >= max) {
                return StopReason::InstructionLimit(max);
            }
        }
    }

    /// Whether every hart waits in `wfi` with nothing to wake it yet
    /// (each is lent the bus to look at its lines).
    fn all_asleep(&mut self) -> bool {
        (0..self.harts.len()).all(|hart| {
            self.lend_bus(hart);
            self.update_interrupt_lines(hart);
            self.harts[hart].waiting && !self.harts[hart].interrupt_waiting()
        })
    }

    /// Runs hart `hart` until it stops the machine (`Some`), or, given a
    /// `turn_end` (which a machine of several harts keeps within its
    /// limit), until its clock reaches it (`None`). A waiting hart
    /// with others beside it idles through its turn, up to its timer.
    fn run_hart(&mut self, hart: usize, max_steps: Option<u64>, turn_end: Option<u64>) -> Option<StopReason> {
        self.lend_bus(hart);
        loop {
            if let Some(stop) = self.check_stop(hart, max_steps) {
                return Some(stop);
            }
            if turn_end.is_some_and(|end| self.harts[hart].steps() >= end) {
                return None;
            }
            self.update_interrupt_lines(hart);
            let cpu = &mut self.harts[hart];
            if let Some(interrupt) = cpu.pending_interrupt() {
                cpu.waiting = false;
                cpu.take_trap(Trap::Interrupt(interrupt));
            }
            if cpu.waiting {
                if cpu.interrupt_waiting() {
                    cpu.waiting = false;
                } else if let Some(end) = turn_end {
                    let wake = self.timer_step(hart).min(end);
                    let cpu = &mut self.harts[hart];
                    cpu.idle(wake.saturating_sub(cpu.steps()).max(1));
                    continue;
                } else {
                    if let Err(stuck) = self.idle(max_steps) {
                        return Some(stuck);
                    }
                    continue;
                }
            }
            let mut deadline = self.harts[hart].steps().saturating_add(POLL_INTERVAL).min(self.timer_step(hart));
            if let Some(max) = max_steps {
                deadline = deadline.min(max);
            }
            if let Some(end) = turn_end {
                deadline = deadline.min(end);
            }
            if let Some(arrival) = self.bus_mut().next_device_event() {
                deadline = deadline.min(arrival);
            }
            let cpu = &mut self.harts[hart];
            cpu.deadline = deadline.max(cpu.steps() + 1);
            cpu.run_until_deadline();
        }
    }

    /// The step at which one of hart `hart`'s timers fires next: its
    /// CLINT `mtimecmp`, or Sstc's `stimecmp` (`u64::MAX` when neither
    /// has anything left to fire). The hart must hold the bus.
    fn timer_step(&self, hart: usize) -> u64 {
        let cpu = &self.harts[hart];
        let ticks = cpu.ticks();
        let clint = &self.bus().clint;
        let machine = if clint.timer_pending(hart, ticks) {
            u64::MAX
        } else {
            (ticks + clint.ticks_until_timer(hart, ticks)).saturating_mul(STEPS_PER_TICK)
        };
        let supervisor = cpu
            .supervisor_timer()
            .map_or(u64::MAX, |at| (ticks + at.saturating_sub(clint.mtime(ticks))).saturating_mul(STEPS_PER_TICK));
        machine.min(supervisor)
    }

    fn check_stop(&mut self, hart: usize, max_steps: Option<u64>) -> Option<StopReason> {
        if let Some(stop) = self.bus_mut().stop.take() {
            return Some(stop);
        }
        let cpu = &mut self.harts[hart];
        if let Some(reason) = cpu.stuck.take() {
            return Some(StopReason::Stuck(reason));
        }
        if cpu.bus.uart.quit_requested() {
            return Some(StopReason::Quit);
        }
        if let Some(stop) = cpu.take_debug_stop() {
            self.focus = hart;
            return Some(StopReason::Debug(stop));
        }
        let steps = cpu.steps();
        match max_steps {
            Some(max) if steps >= max => Some(StopReason::InstructionLimit(max)),
            _ => None,
        }
    }

    /// Brings device interrupt lines into hart `hart`'s `mip`: the CLINT's
    /// timer and software interrupts, and the PLIC's outputs for its M and
    /// S contexts, after moving console input that has arrived into the
    /// UART.
    fn update_interrupt_lines(&mut self, hart: usize) {
        let cpu = &mut self.harts[hart];
        let (ticks, steps) = (cpu.ticks(), cpu.steps());
        cpu.bus.poll_devices(steps);
        cpu.after_dma();
        let bus = &mut cpu.bus;
        bus.uart.poll_input();
        bus.uart.flush();
        bus.plic.drive(UART_IRQ, bus.uart.irq_line());
        for (i, slot) in bus.virtio.iter_mut().enumerate() {
            bus.plic.drive(crate::memmap::VIRTIO_IRQ as usize + i, slot.irq_line());
        }
        let mut lines = 0;
        if bus.clint.timer_pending(hart, ticks) {
            lines |= irq::MTIP;
        }
        if bus.clint.msip[hart] {
            lines |= irq::MSIP;
        }
        if bus.plic.interrupt(2 * hart) {
            lines |= irq::MEIP;
        }
        if bus.plic.interrupt(2 * hart + 1) {
            lines |= irq::SEIP;
        }
        cpu.mip_lines = lines;
    }

    /// Every hart waits in `wfi` with nothing pending: let time pass until
    /// a timer can fire, console input arrives or a frame does, sleeping
    /// on the host meanwhile. Fails when no enabled interrupt could ever
    /// wake a hart.
    fn idle(&mut self, max_steps: Option<u64>) -> Result<(), StopReason> {
        let mie = self.harts.iter().fold(0, |all, h| all | h.csr.mie);
        let timer = mie & (irq::MTIP | irq::STIP) != 0;
        let external_enabled = mie & (irq::MEIP | irq::SEIP) != 0;
        let external = external_enabled && self.bus().uart.input_open();
        let network = external_enabled && self.bus().has_network();
        if !timer && !external && !network {
            let pc = self.harts[0].pc;
            return Err(StopReason::Stuck(if self.harts.len() == 1 {
                format!("the hart waits in wfi at pc {pc:#x} but no enabled interrupt can wake it (mie = {mie:#x})")
            } else {
                format!(
                    "every hart waits in wfi (hart 0 at pc {pc:#x}) but no enabled interrupt can wake one (mie = {mie:#x})"
                )
            }));
        }
        let now = self.harts[0].steps();
        let mut wait = u64::MAX;
        for hart in 0..self.harts.len() {
            self.lend_bus(hart);
            let cpu = &self.harts[hart];
            if cpu.csr.mie & irq::MTIP != 0 {
                wait = wait.min(self.bus().clint.ticks_until_timer(hart, cpu.ticks()).max(1));
            }
            if cpu.csr.mie & irq::STIP != 0 && cpu.supervisor_timer().is_some() {
                wait = wait.min(self.timer_step(hart).saturating_sub(cpu.steps()).div_ceil(STEPS_PER_TICK).max(1));
            }
        }
        if let Some(max) = max_steps {
            // Never sleep past the instruction limit.
            wait = wait.min(max.saturating_sub(now).div_ceil(STEPS_PER_TICK).max(1));
        }
        if network && self.frame_due_within(wait) {
            return Ok(());
        }
        let real_time = network && self.bus().real_time_devices();
        if self.virtual_idle && !external && !real_time {
            self.idle_all(wait.saturating_mul(STEPS_PER_TICK));
            return Ok(());
        }
        self.sleep(wait, external, real_time);
        Ok(())
    }

    /// Lets `steps` of time pass for every hart.
    fn idle_all(&mut self, steps: u64) {
        self.harts.iter_mut().for_each(|h| h.idle(steps));
    }

    /// Whether a frame arrives within `wait` ticks: if so, time passes to
    /// its arrival, where the loop delivers it.
    fn frame_due_within(&mut self, wait: u64) -> bool {
        let Some(at) = self.bus_mut().next_device_event() else { return false };
        let steps = at.saturating_sub(self.harts[0].steps()).max(1);
        if steps >= wait.saturating_mul(STEPS_PER_TICK) {
            return false;
        }
        self.idle_all(steps);
        true
    }

    /// Sleeps on the host for up to `wait` ticks (less when console input
    /// or, on a real-time network, a frame may end the wait), then lets
    /// the time that passed pass for the harts.
    fn sleep(&mut self, wait: u64, external: bool, real_time: bool) {
        let mut sleep = TICK.saturating_mul(u32::try_from(wait).unwrap_or(u32::MAX)).min(MAX_IDLE_SLEEP);
        if real_time {
            sleep = sleep.min(NETWORK_POLL);
        }
        let started = std::time::Instant::now();
        if external {
            self.bus_mut().uart.wait_for_input(sleep);
        } else if sleep >= Duration::from_micros(100) {
            std::thread::sleep(sleep);
        }
        // Time passes as it did on the host, but never beyond the timer
        // (or limit) that ends the wait, so timer deadlines stay exact.
        let slept = (started.elapsed().as_nanos() / TICK.as_nanos()) as u64;
        let whole = sleep < MAX_IDLE_SLEEP && !external && !real_time;
        let advance = if whole { wait } else { slept.clamp(1, wait) };
        self.idle_all(advance * STEPS_PER_TICK);
    }

    /// Flushes console output held in the UART.
    pub fn flush_console(&mut self) {
        self.bus_mut().uart.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_memory_sizes() {
        for size in [0, 4096, (16 << 30) + 4096, (128 << 20) + 1] {
            let config = MachineConfig { memory_size: size, ..MachineConfig::default() };
            assert!(Machine::new(config).is_err(), "size {size}");
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use crate::cpu::{Privilege, csr_addr};
    use crate::test_rng::Rng;

    /// Fills the first 64 KiB of RAM with random words (and random
    /// registers), then runs in each privilege mode, with and without
    /// Sv39 pointing into the random data: whatever the guest does must
    /// end as a trap, a stop or the instruction limit — never a panic.
    #[test]
    fn random_code_never_panics_the_emulator() {
        for seed in 1..=24u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let config = MachineConfig {
                memory_size: 2 << 20,
                console_output: Box::new(std::io::sink()),
                ..MachineConfig::default()
            };
            let mut machine = Machine::new(config).unwrap();
            let cpu = machine.cpu();
            for i in 0..(64 << 10) / 8 {
                cpu.bus.ram.write::<8>(RAM_BASE + i * 8, rng.next());
            }
            for r in 1..32 {
                let v = match rng.next() % 4 {
                    0 => RAM_BASE + rng.next() % (2 << 20),
                    1 => rng.next() % 0x2000,
                    _ => rng.next(),
                };
                cpu.set_reg(r, v);
            }
            cpu.pc = RAM_BASE + (rng.next() % 0x4000) * 2;
            cpu.csr_write(csr_addr::MTVEC, RAM_BASE + (rng.next() % 0x1000) * 4).unwrap();
            cpu.csr_write(csr_addr::STVEC, RAM_BASE + (rng.next() % 0x1000) * 4).unwrap();
            cpu.csr_write(csr_addr::MEDELEG, rng.next()).unwrap();
            cpu.csr_write(csr_addr::PMPADDR0, u64::MAX >> 10).unwrap();
            cpu.csr_write(csr_addr::PMPCFG0, 0x0f).unwrap();
            if seed % 2 == 0 {
                // Sv39 with a root table full of random PTEs.
                cpu.csr_write(csr_addr::SATP, (8 << 60) | ((RAM_BASE + 0x8000) >> 12)).unwrap();
            }
            cpu.set_mode([Privilege::Machine, Privilege::Supervisor, Privilege::User][seed as usize % 3]);
            let stop = machine.run(Some(200_000));
            assert!(matches!(
                stop,
                StopReason::InstructionLimit(_)
                    | StopReason::Stuck(_)
                    | StopReason::Exit(_)
                    | StopReason::ResetRequested
            ));
        }
    }
}

//! Debian 13's riscv64 Linux kernel, booted through Debian's OpenSBI
//! (`fw_dynamic.bin`) as QEMU boots them, to a shell of Debian's busybox
//! in an initramfs made here: on one hart and on four, commands typed at
//! the console when its prompt shows, and `poweroff -f` ending the run
//! through the device tree's syscon-poweroff (exit status 0).
//! `scripts/fetch-debian.sh` fetches the packages; without them the tests
//! skip loudly, and under RVSIM_REQUIRE_TOOLS=1 (CI) they fail.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

/// The initramfs's `/init`: busybox makes its applets and mounts, then
/// the shell takes the console.
const INIT: &str = "#!/busybox sh
/busybox mkdir -p /bin /proc /sys
/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo 'initramfs: shell ready'
exec sh
";

/// How long a boot to the prompt, or one command, may take.
const BOOT_TIMEOUT: Duration = Duration::from_secs(240);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The kernel, the firmware and busybox from Debian's packages, or `None`
/// after a loud skip.
fn debian(test: &str) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let kernel = common::debian_file(test, "linux/Image")?;
    let firmware = common::debian_file(test, "opensbi/fw_dynamic.bin")?;
    let busybox = common::debian_file(test, "busybox")?;
    Some((kernel, firmware, busybox))
}

/// An initramfs of `/init` and `/busybox`, written for `test`.
fn initramfs(test: &str, busybox: &Path) -> PathBuf {
    let busybox = std::fs::read(busybox).expect("read busybox");
    let archive = rvsim::initrd::build(&[("init", INIT.as_bytes()), ("busybox", &busybox)]).expect("initramfs");
    let path = common::scratch_dir(test).join("initramfs.cpio");
    std::fs::write(&path, archive).expect("write the initramfs");
    path
}

/// rvsim running a guest, its console read as it comes.
struct Console {
    child: Child,
    stdin: ChildStdin,
    output: Receiver<Vec<u8>>,
    seen: String,
    read_to: usize,
}

impl Console {
    fn start(args: &[&str]) -> Console {
        let mut child = common::rvsim()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rvsim");
        let stdin = child.stdin.take().expect("stdin");
        let (sender, output) = channel();
        for mut pipe in [Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>]
            .into_iter()
            .chain([Box::new(child.stderr.take().expect("stderr")) as Box<dyn Read + Send>])
        {
            let sender = sender.clone();
            thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buffer) {
                    if n == 0 || sender.send(buffer[..n].to_vec()).is_err() {
                        break;
                    }
                }
            });
        }
        Console { child, stdin, output, seen: String::new(), read_to: 0 }
    }

    /// Waits until `text` appears after what was already matched, and
    /// returns the output up to its end.
    fn expect(&mut self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = self.seen[self.read_to..].find(text) {
                let end = self.read_to + at + text.len();
                let part = self.seen[self.read_to..end].to_string();
                self.read_to = end;
                return part;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                // The tty ends lines with "\r\n".
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes).replace('\r', "")),
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no {text:?} within {timeout:?}; the console said:\n{}", self.seen);
                }
            }
        }
    }

    /// Types `line` at the prompt and returns what it printed before the
    /// next prompt.
    fn command(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("type at the console");
        self.expect(&format!("{line}\n"), COMMAND_TIMEOUT);
        self.expect(" # ", COMMAND_TIMEOUT)
    }

    /// Powers the guest off and returns rvsim's exit status.
    fn power_off(&mut self) -> Option<i32> {
        writeln!(self.stdin, "poweroff -f").expect("type at the console");
        self.expect("reboot: Power down", COMMAND_TIMEOUT);
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for rvsim") {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("rvsim did not exit after the power-off:\n{}", self.seen);
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A failed assertion must not leave the guest running.
impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Boots Linux on `harts` harts to the shell; checks /proc/cpuinfo and a
/// pipeline, then powers off.
fn boot_to_a_shell(test: &str, harts: usize) {
    let Some((kernel, firmware, busybox)) = debian(test) else { return };
    let initramfs = initramfs(test, &busybox);
    let harts_text = harts.to_string();
    let mut console = Console::start(&[
        "run",
        "--bios",
        firmware.to_str().expect("path"),
        "--kernel",
        kernel.to_str().expect("path"),
        "--initrd",
        initramfs.to_str().expect("path"),
        "--append",
        "console=ttyS0",
        "--memory",
        "512M",
        "--smp",
        &harts_text,
    ]);
    let boot = console.expect("initramfs: shell ready", BOOT_TIMEOUT);
    assert!(boot.contains("OpenSBI v"), "{boot}");
    assert!(boot.contains("Platform Shutdown Device    : syscon-poweroff"), "{boot}");
    assert!(boot.contains("Machine model: rvsim,virt (QEMU virt compatible)"), "{boot}");
    assert!(boot.contains(&format!("smp: Brought up 1 node, {harts} CPU")), "{boot}");
    assert!(boot.contains("Run /init as init process"), "{boot}");
    console.expect(" # ", COMMAND_TIMEOUT);
    let cpuinfo = console.command("cat /proc/cpuinfo");
    let processors: Vec<&str> = cpuinfo.lines().filter(|l| l.starts_with("processor")).collect();
    assert_eq!(processors.len(), harts, "{cpuinfo}");
    for hart in 0..harts {
        assert!(cpuinfo.contains(&format!("hart\t\t: {hart}")), "{cpuinfo}");
    }
    assert!(cpuinfo.contains("isa\t\t: rv64imafdc_zicntr_zicsr_zifencei_zca_zcd_zba_zbb_zbs_sstc"), "{cpuinfo}");
    assert!(cpuinfo.contains("mmu\t\t: sv39"), "{cpuinfo}");
    let pipeline = console.command("echo hello from busybox | tr a-z A-Z | wc -c");
    assert!(pipeline.lines().any(|l| l.trim() == "19"), "{pipeline}");
    let uname = console.command("uname -sm");
    assert!(uname.contains("Linux riscv64"), "{uname}");
    assert_eq!(console.power_off(), Some(0), "poweroff ends the run with status 0");
    drop(console);
}

#[test]
fn debian_linux_boots_through_opensbi_to_a_busybox_shell() {
    boot_to_a_shell("debian_linux_boots_through_opensbi_to_a_busybox_shell", 1);
}

#[test]
fn debian_linux_boots_on_four_harts() {
    boot_to_a_shell("debian_linux_boots_on_four_harts", 4);
}

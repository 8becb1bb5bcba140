//! Instruction-set tests: bare-metal programs (tests/baremetal) run on
//! rvsim and, as a differential reference, on qemu-system-riscv64.
//!
//! Three kinds of program:
//! - self-checking: exit 0 when every case holds, else the failing case's
//!   number; must pass on rvsim and on QEMU;
//! - rvsim-only: self-checking, for behaviour where QEMU 7.2 departs from
//!   the specification (each program's doc line says how);
//! - differential: random instruction streams (integer, and F and D) whose
//!   register dumps must be identical on rvsim and QEMU.

mod common;

macro_rules! programs {
    ($kind:ident, $list:ident: $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                common::$kind(stringify!($name));
            }
        )*
        const $list: &[&str] = &[$(stringify!($name)),*];
    };
}

programs!(self_checking, SELF_CHECKING:
    alu_rr, alu_imm, alu_w, branch, jump, load_store, fence_i, code_cache, x0, rv64i_illegal, misaligned,
    muldiv, muldiv_w, atomic, atomic_faults,
    compressed_alu, compressed_mem, compressed_ctrl, compressed_illegal, compressed_hints,
    csr, traps, interrupts, counters,
    vm_asid, vm_perms_s, vm_perms_u, vm_mxr, vm_mprv, vm_superpages, vm_faults, vm_nonleaf, vm_ad_hw,
    smode_csrs, delegation, s_interrupts, pmp, sstc,
);

programs!(rvsim_only, RVSIM_ONLY:
    atomic_rvsim_only, compressed_illegal_rvsim_only, csr_rvsim_only, traps_rvsim_only, counters_rvsim_only,
    vm_sum_fetch_rvsim_only, vm_amo_fault_rvsim_only, vm_mprv_xret_rvsim_only,
    vm_nonleaf_rvsim_only, vm_amo_faults_rvsim_only, vm_sfence_rvsim_only, vm_ad_adfault_rvsim_only,
    code_cache_ahead_rvsim_only,
    smode_csrs_rvsim_only, delegation_rvsim_only, s_interrupts_rvsim_only, pmp_rvsim_only,
);

programs!(differential, DIFFERENTIAL:
    torture_0, torture_1, torture_2, torture_3, torture_4, torture_5, torture_6, torture_7,
    fp_torture_0, fp_torture_1, fp_torture_2, fp_torture_3, fp_torture_4, fp_torture_5, fp_torture_6, fp_torture_7,
);

/// Programs used by other tests (tests/cli.rs) rather than run here.
const USED_ELSEWHERE: &[&str] =
    &["selftest_fail", "uart_exit", "tohost_exit", "stuck_trap_loop", "stuck_wfi", "tlb_sweep", "smp"];

/// `smp` on two harts: shared memory, AMOs, an interrupt from one hart to
/// the other, and an LR reservation the other hart's store breaks; on
/// rvsim and on QEMU.
#[test]
fn two_harts_share_memory_interrupt_each_other_and_break_reservations() {
    let program = common::elf("smp");
    let ours = common::run_rvsim(&program, &["--smp", "2"]);
    assert_eq!(ours.status.code(), Some(0), "smp failed on rvsim:\n{}", common::describe(&ours));
    let name = "two_harts_share_memory_interrupt_each_other_and_break_reservations";
    if common::qemu_available(name) {
        let mut command = std::process::Command::new("qemu-system-riscv64");
        command.args(["-machine", "virt", "-bios", "none", "-m", "128M", "-smp", "2", "-nographic", "-kernel"]);
        let theirs = common::run_with_timeout(command.arg(&program), common::RUN_TIMEOUT);
        assert_eq!(theirs.status.code(), Some(0), "smp failed on QEMU:\n{}", common::describe(&theirs));
    }
}

#[test]
fn every_program_is_run_by_some_test() {
    let known: Vec<&str> =
        SELF_CHECKING.iter().chain(RVSIM_ONLY).chain(DIFFERENTIAL).chain(USED_ELSEWHERE).copied().collect();
    let missing: Vec<String> = common::all_programs().into_iter().filter(|p| !known.contains(&p.as_str())).collect();
    assert!(missing.is_empty(), "tests/baremetal programs no test runs (add them to tests/isa.rs): {missing:?}");
}

#[test]
fn a_failing_case_is_reported_with_its_number() {
    let program = common::elf("selftest_fail");
    let ours = common::run_rvsim(&program, &[]);
    assert_eq!(ours.status.code(), Some(7), "{}", common::describe(&ours));
    assert!(String::from_utf8_lossy(&ours.stdout).contains("FAIL: test case 0000000000000007"));
    if common::qemu_available("a_failing_case_is_reported_with_its_number") {
        let theirs = common::run_qemu(&program);
        assert_eq!(theirs.status.code(), Some(7), "{}", common::describe(&theirs));
        assert_eq!(ours.stdout, theirs.stdout);
    }
}

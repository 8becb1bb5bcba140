use super::*;

const SIGUSR1: u32 = 10;
const SIGUSR2: u32 = 12;
const SIGSEGV: u32 = 11;

fn handler(at: u64) -> SigAction {
    SigAction { handler: at, ..SigAction::default() }
}

fn user() -> SigInfo {
    SigInfo { code: SI_USER, pid: 1, ..SigInfo::default() }
}

#[test]
fn a_handled_signal_is_delivered_with_its_mask_and_itself_blocked() {
    let mut s = Signals::default();
    s.set_action(SIGUSR1, Some(SigAction { mask: bit(SIGUSR2), ..handler(0x1000) })).unwrap();
    assert!(s.send(SIGUSR1, user()), "deliverable at once");
    let Some(Delivery::Handle { sig, action, info, old_mask }) = s.take() else { panic!("no delivery") };
    assert_eq!((sig, action.handler, info, old_mask), (SIGUSR1, 0x1000, user(), 0));
    assert_eq!(s.blocked(), bit(SIGUSR1) | bit(SIGUSR2), "its own and its mask's signals are blocked");
    assert_eq!(s.take(), None, "nothing more");
}

#[test]
fn defaults_terminate_dump_or_ignore() {
    let mut s = Signals::default();
    s.send(SIGUSR1, user());
    assert_eq!(s.take(), Some(Delivery::Terminate { sig: SIGUSR1, core: false }));
    s.send(SIGSEGV, user());
    assert_eq!(s.take(), Some(Delivery::Terminate { sig: SIGSEGV, core: true }));
    assert!(!s.send(SIGCHLD, user()), "SIGCHLD's default is to ignore it: it is thrown away");
    assert_eq!(s.pending(), 0);
    s.set_action(SIGUSR2, Some(handler(SIG_IGN))).unwrap();
    assert!(!s.send(SIGUSR2, user()));
    assert_eq!(s.take(), None);
}

#[test]
fn blocked_signals_wait_and_kill_comes_first() {
    let mut s = Signals::default();
    s.set_action(SIGUSR1, Some(handler(0x1000))).unwrap();
    s.set_mask(SIG_BLOCK, Some(bit(SIGUSR1))).unwrap();
    assert!(!s.send(SIGUSR1, user()), "blocked: not deliverable");
    assert_eq!((s.pending(), s.take()), (bit(SIGUSR1), None));
    s.send(SIGKILL, user());
    assert_eq!(s.take(), Some(Delivery::Terminate { sig: SIGKILL, core: false }), "SIGKILL first");
    assert_eq!(s.set_mask(SIG_UNBLOCK, Some(bit(SIGUSR1))), Ok(bit(SIGUSR1)));
    assert!(matches!(s.take(), Some(Delivery::Handle { sig: SIGUSR1, .. })), "delivered when unblocked");
}

#[test]
fn kill_and_stop_cannot_be_caught_or_blocked() {
    let mut s = Signals::default();
    assert_eq!(s.set_action(SIGKILL, Some(handler(0x1000))), Err(SignalError::Invalid));
    assert_eq!(s.set_action(SIGSTOP, Some(handler(SIG_IGN))), Err(SignalError::Invalid));
    assert_eq!(s.set_action(SIGKILL, None), Ok(SigAction::default()), "reading its action is fine");
    assert_eq!(s.set_action(0, None), Err(SignalError::Invalid));
    assert_eq!(s.set_action(65, None), Err(SignalError::Invalid));
    s.set_mask(SIG_SETMASK, Some(u64::MAX)).unwrap();
    assert_eq!(s.blocked() & (bit(SIGKILL) | bit(SIGSTOP)), 0);
    assert_eq!(s.set_mask(7, Some(0)), Err(SignalError::Invalid));
    assert_eq!(s.set_mask(7, None), Ok(s.blocked()), "no set: `how` is not looked at, as Linux");
}

#[test]
fn flags_reset_the_action_or_leave_the_signal_unblocked() {
    let mut s = Signals::default();
    s.set_action(SIGUSR1, Some(SigAction { flags: SA_RESETHAND | SA_NODEFER, ..handler(0x1000) })).unwrap();
    s.send(SIGUSR1, user());
    assert!(matches!(s.take(), Some(Delivery::Handle { .. })));
    assert_eq!(s.blocked(), 0, "SA_NODEFER");
    assert_eq!(s.action(SIGUSR1), SigAction::default(), "SA_RESETHAND");
    s.set_action(SIGUSR2, Some(SigAction { flags: SA_RESTART, ..handler(0x2000) })).unwrap();
    assert_eq!(s.interrupting(), None);
    s.send(SIGUSR2, user());
    assert_eq!(s.interrupting(), Some(true), "a restarting handler");
}

#[test]
fn a_fault_gets_through_a_block_or_an_ignore() {
    let mut s = Signals::default();
    s.set_action(SIGSEGV, Some(handler(0x1000))).unwrap();
    s.set_mask(SIG_BLOCK, Some(bit(SIGSEGV))).unwrap();
    let info = SigInfo { code: SEGV_MAPERR, addr: 8, ..SigInfo::default() };
    s.force(SIGSEGV, info);
    assert_eq!(s.take(), Some(Delivery::Terminate { sig: SIGSEGV, core: true }), "blocked: the default action");
    s.set_action(SIGSEGV, Some(handler(0x1000))).unwrap();
    s.force(SIGSEGV, info);
    assert!(matches!(s.take(), Some(Delivery::Handle { info: i, .. }) if i == info), "caught with its address");
}

#[test]
fn fork_keeps_actions_and_exec_keeps_only_ignores() {
    let mut s = Signals::default();
    s.set_action(SIGUSR1, Some(handler(0x1000))).unwrap();
    s.set_action(SIGUSR2, Some(handler(SIG_IGN))).unwrap();
    s.set_mask(SIG_BLOCK, Some(bit(SIGSEGV))).unwrap();
    s.send(SIGSEGV, user());
    let mut child = s.fork();
    assert_eq!((child.action(SIGUSR1).handler, child.blocked(), child.pending()), (0x1000, bit(SIGSEGV), 0));
    child.exec();
    assert_eq!((child.action(SIGUSR1), child.action(SIGUSR2).handler), (SigAction::default(), SIG_IGN));
    assert_eq!(child.blocked(), bit(SIGSEGV), "the mask survives exec");
    assert!(!s.ignores_children());
    s.set_action(SIGCHLD, Some(handler(SIG_IGN))).unwrap();
    assert!(s.ignores_children());
}

#[test]
fn sigsuspend_sleeps_under_its_mask_and_the_handler_restores_the_old_one() {
    let mut s = Signals::default();
    s.set_action(SIGUSR1, Some(handler(0x1000))).unwrap();
    s.set_mask(SIG_SETMASK, Some(bit(SIGUSR1))).unwrap();
    s.suspend(0);
    assert!(s.send(SIGUSR1, user()), "unblocked while suspended");
    let Some(Delivery::Handle { old_mask, .. }) = s.take() else { panic!("no delivery") };
    assert_eq!(old_mask, bit(SIGUSR1), "the handler returns to the mask before sigsuspend");
    s.end_suspend();
    assert_eq!(s.blocked(), bit(SIGUSR1), "the handler's mask until it returns");
    s.suspend(bit(SIGUSR2));
    s.end_suspend();
    assert_eq!(s.blocked(), bit(SIGUSR1), "no handler: the mask comes back at once");
}

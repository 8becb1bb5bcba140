//! POSIX signals for one process: what each signal does (its action),
//! which are blocked and which are pending, and the decision, on the way
//! back to user mode, of what to deliver. Linux's numbers, flags and
//! rules; the frame a handler runs on is `signal_frame.rs`.
//!
//! Standard signals do not queue: a signal sent while one of its number is
//! pending is merged with it. SIGKILL and SIGSTOP can be neither caught,
//! blocked nor ignored. Job control is not modelled, so a signal whose
//! default is to stop or continue the process is ignored.

use alloc::vec::Vec;

use rvsim_abi::signal::{SIGCHLD, SIGKILL};

/// Number of signals (1..=64).
pub const NSIG: u32 = 64;
/// SIGSTOP.
pub const SIGSTOP: u32 = 19;
/// The handler value for the default action.
pub const SIG_DFL: u64 = 0;
/// The handler value for ignoring the signal.
pub const SIG_IGN: u64 = 1;
/// The handler takes three arguments (siginfo, ucontext).
pub const SA_SIGINFO: u64 = 4;
/// Interrupted system calls restart.
pub const SA_RESTART: u64 = 0x1000_0000;
/// The signal is not blocked during its own handler.
pub const SA_NODEFER: u64 = 0x4000_0000;
/// The action goes back to the default once delivered.
pub const SA_RESETHAND: u64 = 0x8000_0000;
/// `restorer` is where the handler returns.
pub const SA_RESTORER: u64 = 0x0400_0000;
/// The flags this kernel knows (SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,
/// SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_RESTORER); others
/// are kept and mean nothing, as Linux keeps unknown ones.
pub const SA_KNOWN: u64 = 1 | 2 | SA_SIGINFO | 0x0800_0000 | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_RESTORER;

/// `rt_sigprocmask`'s `how`: add to the mask.
pub const SIG_BLOCK: u64 = 0;
/// Remove from the mask.
pub const SIG_UNBLOCK: u64 = 1;
/// Replace the mask.
pub const SIG_SETMASK: u64 = 2;

/// `si_code`: sent by kill.
pub const SI_USER: i32 = 0;
/// Sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// Sent by tkill or tgkill (raise).
pub const SI_TKILL: i32 = -6;
/// SIGSEGV: no mapping at the address.
pub const SEGV_MAPERR: i32 = 1;
/// SIGSEGV: the mapping does not permit the access.
pub const SEGV_ACCERR: i32 = 2;
/// SIGILL: illegal opcode.
pub const ILL_ILLOPC: i32 = 1;
/// SIGBUS: misaligned address.
pub const BUS_ADRALN: i32 = 1;
/// SIGTRAP: a breakpoint.
pub const TRAP_BRKPT: i32 = 1;
/// SIGCHLD: the child exited.
pub const CLD_EXITED: i32 = 1;
/// SIGCHLD: the child was killed.
pub const CLD_KILLED: i32 = 2;
/// SIGCHLD: the child was killed and dumped core.
pub const CLD_DUMPED: i32 = 3;
/// A timer expired (SIGALRM).
pub const SI_TIMER: i32 = -2;

/// What a signal does when its action is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAction {
    /// The process ends.
    Terminate,
    /// The process ends, as if with a core dump (the wait status says so).
    Core,
    /// Nothing.
    Ignore,
}

/// Linux's default action for `sig`.
pub fn default_action(sig: u32) -> DefaultAction {
    match sig {
        // SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
        // SIGXCPU, SIGXFSZ, SIGSYS.
        3 | 4 | 5 | 6 | 7 | 8 | 11 | 24 | 25 | 31 => DefaultAction::Core,
        // SIGCHLD, SIGURG, SIGWINCH; and the job-control signals SIGCONT,
        // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, which stop or continue a
        // process under job control (not modelled).
        17 | 23 | 28 | 18 | 20 | 21 | 22 => DefaultAction::Ignore,
        _ => DefaultAction::Terminate,
    }
}

/// One signal's action (`struct sigaction` as the kernel sees it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigAction {
    /// SIG_DFL, SIG_IGN or the handler's address.
    pub handler: u64,
    /// SA_* flags.
    pub flags: u64,
    /// Where the handler returns, with SA_RESTORER.
    pub restorer: u64,
    /// Signals blocked while the handler runs.
    pub mask: u64,
}

impl SigAction {
    /// Whether `sig` with this action is thrown away.
    fn ignores(&self, sig: u32) -> bool {
        self.handler == SIG_IGN || (self.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore)
    }
}

/// What a signal's sender says about it (`siginfo_t`'s fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigInfo {
    /// `si_code`.
    pub code: i32,
    /// `si_pid`: the sender, or the child for SIGCHLD.
    pub pid: u32,
    /// `si_status` for SIGCHLD (exit code or signal).
    pub status: i32,
    /// `si_addr` for faults.
    pub addr: u64,
}

/// Why a signal call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalError {
    /// A bad signal number or `how`, or a change to SIGKILL or SIGSTOP
    /// (EINVAL).
    Invalid,
}

/// What to do with the next signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Run the handler: the signal, its action and information, and the
    /// mask to restore when the handler returns.
    Handle {
        /// The signal.
        sig: u32,
        /// Its action when it was taken.
        action: SigAction,
        /// What the sender said.
        info: SigInfo,
        /// The blocked mask before the handler's was applied.
        old_mask: u64,
    },
    /// End the process (`core`: its status says it dumped core).
    Terminate {
        /// The signal.
        sig: u32,
        /// Whether the default action dumps core.
        core: bool,
    },
}

/// The bit of `sig` in a mask.
pub fn bit(sig: u32) -> u64 {
    1 << (sig - 1)
}

/// Signals no mask can hold back.
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

/// A process's signal state. Only actions that are not the default and
/// the information of pending signals are kept, in short lists: most
/// processes have none, and fork copies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    actions: Vec<(u32, SigAction)>,
    infos: Vec<(u32, SigInfo)>,
    /// Signals held back from delivery.
    blocked: u64,
    /// Signals sent and not yet delivered.
    pending: u64,
    /// The mask to go back to after a `sigsuspend` or `ppoll` that set a
    /// mask of its own for its sleep.
    saved: Option<u64>,
}

/// Checks a signal number (1..=64).
fn valid(sig: u32) -> Result<u32, SignalError> {
    if (1..=NSIG).contains(&sig) { Ok(sig) } else { Err(SignalError::Invalid) }
}

/// Sets `sig`'s entry in `list` to `value` (removing it when it is the
/// default).
fn put<T: Copy + Default + PartialEq>(list: &mut Vec<(u32, T)>, sig: u32, value: T) {
    list.retain(|&(s, _)| s != sig);
    if value != T::default() {
        list.push((sig, value));
    }
}

/// `sig`'s entry in `list`, or the default.
fn get<T: Copy + Default>(list: &[(u32, T)], sig: u32) -> T {
    list.iter().find(|&&(s, _)| s == sig).map_or_else(T::default, |&(_, v)| v)
}

impl Signals {
    /// `rt_sigaction`: installs `new` (if given) for `sig`; returns the old
    /// action. SIGKILL and SIGSTOP keep theirs. Making a pending signal
    /// ignored discards it, as POSIX says.
    pub fn set_action(&mut self, sig: u32, new: Option<SigAction>) -> Result<SigAction, SignalError> {
        let sig = valid(sig)?;
        let old = get(&self.actions, sig);
        if let Some(mut action) = new {
            if bit(sig) & UNBLOCKABLE != 0 {
                return Err(SignalError::Invalid);
            }
            action.mask &= !UNBLOCKABLE;
            put(&mut self.actions, sig, action);
            if action.ignores(sig) {
                self.pending &= !bit(sig);
            }
        }
        Ok(old)
    }

    /// The action of `sig` (which must be valid).
    pub fn action(&self, sig: u32) -> SigAction {
        get(&self.actions, sig)
    }

    /// `rt_sigprocmask`: changes the blocked mask as `how` says (if `set`
    /// is given); returns the old mask.
    pub fn set_mask(&mut self, how: u64, set: Option<u64>) -> Result<u64, SignalError> {
        let old = self.blocked;
        // As Linux: `how` is looked at only when there is a set.
        let Some(set) = set else { return Ok(old) };
        self.blocked = match how {
            SIG_BLOCK => old | set,
            SIG_UNBLOCK => old & !set,
            SIG_SETMASK => set,
            _ => return Err(SignalError::Invalid),
        } & !UNBLOCKABLE;
        Ok(old)
    }

    /// `sigsuspend(mask)`, `ppoll`'s mask: blocks `mask` while the caller
    /// sleeps. The old mask comes back with the first handler's return (the
    /// handler itself runs under `mask`), or at [`Signals::end_suspend`].
    pub fn suspend(&mut self, mask: u64) {
        self.saved.get_or_insert(self.blocked);
        self.blocked = mask & !UNBLOCKABLE;
    }

    /// Puts back the mask [`Signals::suspend`] replaced, if no handler took
    /// it.
    pub fn end_suspend(&mut self) {
        if let Some(mask) = self.saved.take() {
            self.blocked = mask;
        }
    }

    /// The blocked mask.
    pub fn blocked(&self) -> u64 {
        self.blocked
    }

    /// Signals pending (blocked or not), for `rt_sigpending`.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Sends `sig` with `info`. A signal its action ignores is thrown away
    /// (unless blocked: it may be unignored before it is unblocked).
    /// Returns whether it is now deliverable: the caller wakes a sleeper.
    pub fn send(&mut self, sig: u32, info: SigInfo) -> bool {
        let Ok(sig) = valid(sig) else { return false };
        if self.action(sig).ignores(sig) && self.blocked & bit(sig) == 0 {
            return false;
        }
        if self.pending & bit(sig) == 0 {
            put(&mut self.infos, sig, info);
        }
        self.pending |= bit(sig);
        self.deliverable()
    }

    /// Sends a signal for a fault the process caused: as Linux's
    /// force_sig, a blocked or ignored one gets its default action back
    /// (the process would otherwise fault forever). Returns whether a
    /// handler will take it; if not, its default action ends the process.
    pub fn force(&mut self, sig: u32, info: SigInfo) -> bool {
        let Ok(sig) = valid(sig) else { return false };
        let action = self.action(sig);
        if self.blocked & bit(sig) != 0 || action.handler == SIG_IGN {
            put(&mut self.actions, sig, SigAction::default());
            self.blocked &= !bit(sig);
        }
        self.pending |= bit(sig);
        put(&mut self.infos, sig, info);
        self.action(sig).handler > SIG_IGN
    }

    /// Whether a signal is pending and not blocked.
    pub fn deliverable(&self) -> bool {
        self.pending & !self.blocked != 0
    }

    /// Whether a pending signal should cut a sleep short (EINTR): one that
    /// is deliverable. Returns the `SA_RESTART` flag of the first such
    /// signal, so that the interrupted call can be restarted.
    pub fn interrupting(&self) -> Option<bool> {
        let ready = self.pending & !self.blocked;
        (ready != 0).then(|| self.action(ready.trailing_zeros() + 1).flags & SA_RESTART != 0)
    }

    /// Takes the next deliverable signal (SIGKILL first, then the lowest
    /// number) and says what to do with it; ignored ones are dropped on
    /// the way. Taking a handled signal blocks its action's mask and
    /// itself (unless SA_NODEFER), and resets the action under
    /// SA_RESETHAND.
    pub fn take(&mut self) -> Option<Delivery> {
        loop {
            let ready = self.pending & !self.blocked;
            if ready == 0 {
                return None;
            }
            let sig = if ready & bit(SIGKILL) != 0 { SIGKILL } else { ready.trailing_zeros() + 1 };
            self.pending &= !bit(sig);
            let action = self.action(sig);
            let info = get(&self.infos, sig);
            put(&mut self.infos, sig, SigInfo::default());
            match action.handler {
                SIG_IGN => continue,
                SIG_DFL => match default_action(sig) {
                    DefaultAction::Ignore => continue,
                    DefaultAction::Terminate => return Some(Delivery::Terminate { sig, core: false }),
                    DefaultAction::Core => return Some(Delivery::Terminate { sig, core: true }),
                },
                _ => {
                    let old_mask = self.saved.take().unwrap_or(self.blocked);
                    let own = if action.flags & SA_NODEFER != 0 { 0 } else { bit(sig) };
                    self.blocked = (self.blocked | action.mask | own) & !UNBLOCKABLE;
                    if action.flags & SA_RESETHAND != 0 {
                        put(&mut self.actions, sig, SigAction::default());
                    }
                    return Some(Delivery::Handle { sig, action, info, old_mask });
                }
            }
        }
    }

    /// The state fork gives the child: the same actions and mask, nothing
    /// pending.
    pub fn fork(&self) -> Signals {
        Signals { actions: self.actions.clone(), infos: Vec::new(), blocked: self.blocked, pending: 0, saved: None }
    }

    /// What exec keeps: handled signals go back to their default action
    /// (the handlers are gone with the program); ignored ones stay
    /// ignored; the mask and pending signals stay.
    pub fn exec(&mut self) {
        self.actions.retain(|(_, action)| action.handler == SIG_IGN);
        for (_, action) in &mut self.actions {
            *action = SigAction { handler: SIG_IGN, ..SigAction::default() };
        }
    }

    /// Whether the parent asked not to be told of children (SIGCHLD
    /// ignored): they are then reaped at once, as Linux does.
    pub fn ignores_children(&self) -> bool {
        let action = self.action(SIGCHLD);
        action.handler == SIG_IGN || action.flags & 2 != 0
    }
}

#[cfg(test)]
mod tests;

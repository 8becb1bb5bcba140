//! Which execution engine runs a hart's unobserved instructions.

/// An execution engine. Both give the same architectural results and the
/// same counters; they differ in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The interpreter: decoded instructions and blocks of them, run by
    /// calling each instruction's semantics. The reference.
    Interp,
    /// Hot blocks translated to host code (Cranelift), the interpreter for
    /// the rest; the interpreter alone on hosts Cranelift does not cover.
    #[default]
    Jit,
}

impl Engine {
    /// Both engines, in the order the command line lists them.
    pub const ALL: [Engine; 2] = [Engine::Interp, Engine::Jit];

    /// The engine's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
        }
    }

    /// The engine called `name` on the command line.
    pub fn parse(name: &str) -> Result<Engine, String> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| format!("unknown engine '{name}' (interp or jit)"))
    }
}

/// When the translator translates, and whether the hart waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitTuning {
    /// Runs of a block before it is translated.
    pub hot: u32,
    /// Steps a hart runs before the translator starts.
    pub start: u64,
    /// The hart waits for each block's translation instead of
    /// interpreting it meanwhile: slower, but the same blocks run
    /// translated from run to run (for tests and experiments).
    pub wait: bool,
}

impl Default for JitTuning {
    /// A block is translated at its 2048th run: Cranelift takes about
    /// 0.6 ms a block, the time to interpret some 200,000 instructions.
    /// Compiling on the hart's own thread, Debian's Linux took 17.5 s to
    /// its prompt at 64 against 5.7 s at 8192; on the worker's thread,
    /// 2.8 s at 2048 against 3.0 s at 8192 and 3.6 s at 32768 (runs
    /// alternated, scripts/linux-vs-qemu.sh). The translator starts after
    /// 4 million steps, so that a short run (`rvsim run hello`: 0.7
    /// million) never pays for it.
    fn default() -> Self {
        JitTuning { hot: 2048, start: 1 << 22, wait: false }
    }
}

impl JitTuning {
    /// Parses `hot=N,start=N,wait`; omitted keys keep their defaults.
    pub fn parse(text: &str) -> Result<JitTuning, String> {
        let mut tuning = JitTuning::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "wait" {
                tuning.wait = true;
                continue;
            }
            let (key, value) = part.split_once('=').ok_or_else(|| format!("'{part}' is not key=value or wait"))?;
            let number = || value.parse::<u64>().map_err(|_| format!("{key}: '{value}' is not a number"));
            match key {
                "hot" => {
                    tuning.hot = u32::try_from(number()?.max(1)).map_err(|_| format!("hot={value} is too large"))?
                }
                "start" => tuning.start = number()?,
                _ => return Err(format!("unknown key '{key}' (use hot, start, wait)")),
            }
        }
        Ok(tuning)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunings_parse() {
        assert_eq!(JitTuning::parse(""), Ok(JitTuning::default()));
        assert_eq!(JitTuning::parse("hot=1,start=0,wait"), Ok(JitTuning { hot: 1, start: 0, wait: true }));
        assert_eq!(JitTuning::parse("hot=0").map(|t| t.hot), Ok(1), "a block runs once before anything");
        assert!(JitTuning::parse("hot=lots").is_err());
        assert!(JitTuning::parse("hot=99999999999").is_err());
        assert!(JitTuning::parse("cold=1").is_err());
    }
}

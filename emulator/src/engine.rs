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

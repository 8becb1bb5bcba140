//! A Cranelift JIT module and what compiles into it: the `enter`
//! trampoline, and translated blocks (whose IR `emit.rs` writes).

use super::emit;
use super::{Enter, StableOp};
use crate::isa::Decoded;
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, UserFuncName, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Module};

/// What a block's translation needs besides its instructions.
#[derive(Clone, Copy)]
pub struct Target {
    /// The code table's address.
    pub table: usize,
    /// `exec_slow`'s address.
    pub helper: usize,
    /// `touch_slow`'s address.
    pub touch_helper: usize,
    /// The TLB's policy is LRU.
    pub lru: bool,
}

/// A module and the state Cranelift keeps between compilations.
pub struct Compiler {
    isa: OwnedTargetIsa,
    module: Option<JITModule>,
    context: cranelift_codegen::Context,
    builder: FunctionBuilderContext,
}

/// The settings Cranelift compiles with, for the host.
fn host_isa() -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name, value| flags.set(name, value).map_err(|e| e.to_string());
    // Blocks are short and their code simple: Cranelift's optimisations
    // cost more compile time than they gain (cpu-mix-sv39, 1500 rounds:
    // 0.89 s against 0.95 s with "speed"). The backtracking register
    // allocator is kept: the single-pass one halves compile time but made
    // the run 25% slower.
    set(&mut flags, "opt_level", "none")?;
    set(&mut flags, "regalloc_algorithm", "backtracking")?;
    // Cranelift's tail calls, which chain blocks, need frame pointers.
    set(&mut flags, "preserve_frame_pointers", "true")?;
    set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
    let isa = cranelift_native::builder().map_err(|e| format!("no code generator for this host: {e}"))?;
    isa.finish(settings::Flags::new(flags)).map_err(|e| e.to_string())
}

/// The signature of a translated block: Cranelift's tail-call convention
/// (so that blocks chain without growing the stack), taking the hart and
/// the pc, returning the exit code.
fn block_signature(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    sig.call_conv = CallConv::Tail;
    sig.params.extend([AbiParam::new(types::I64); 2]);
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// The signature of `exec_slow`, in the host's calling convention.
fn helper_signature(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    sig.params.extend([AbiParam::new(types::I64); 2]);
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

impl Compiler {
    /// A compiler for this host with an empty module, or why there is
    /// none.
    pub fn new() -> Result<Compiler, String> {
        if !cfg!(target_pointer_width = "64") {
            return Err("the translator needs a 64-bit host".into());
        }
        let isa = host_isa()?;
        let module = Some(Self::module(&isa));
        Ok(Compiler { isa, module, context: cranelift_codegen::Context::new(), builder: FunctionBuilderContext::new() })
    }

    fn module(isa: &OwnedTargetIsa) -> JITModule {
        JITModule::new(JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names()))
    }

    /// Frees every function compiled so far and starts an empty module.
    ///
    /// # Safety
    /// None of them may run again, or be running.
    pub unsafe fn reset(&mut self) {
        if let Some(module) = self.module.replace(Self::module(&self.isa)) {
            // SAFETY: the caller promises that no code of the module runs.
            unsafe { module.free_memory() };
        }
    }

    /// Compiles `enter(cpu, pc, code)`: calls the block `code` with the
    /// hart and the pc in the tail-call convention, from the host's.
    pub fn trampoline(&mut self) -> Result<Enter, String> {
        let module = self.module.as_mut().ok_or("no module")?;
        let block_sig = block_signature(module);
        let mut sig = module.make_signature();
        sig.params.extend([AbiParam::new(types::I64); 3]);
        sig.returns.push(AbiParam::new(types::I64));
        let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
        self.context.func.signature = sig;
        self.context.func.name = UserFuncName::user(0, id.as_u32());
        {
            let mut b = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let params = b.block_params(entry).to_vec();
            let sig_ref = b.import_signature(block_sig);
            let call = b.ins().call_indirect(sig_ref, params[2], &params[..2]);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            b.seal_all_blocks();
            b.finalize(module.target_config());
        }
        let code = self.define(id)?;
        // SAFETY: the function just compiled has exactly `Enter`'s
        // signature, in the host's default calling convention.
        Ok(unsafe { std::mem::transmute::<*const u8, Enter>(code) })
    }

    /// Compiles the block of `ops`, whose first byte is at host address
    /// `host` and whose instructions the slow path finds at `stable`.
    pub fn block(
        &mut self,
        ops: &[Decoded],
        stable: *const StableOp,
        host: usize,
        to: Target,
    ) -> Result<*const u8, String> {
        let module = self.module.as_mut().ok_or("no module")?;
        let sig = block_signature(module);
        let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
        self.context.func.signature = sig.clone();
        self.context.func.name = UserFuncName::user(0, id.as_u32());
        {
            let mut b = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let tail_sig = b.import_signature(sig);
            let helper_sig = b.import_signature(helper_signature(module));
            let src = emit::Source {
                ops,
                stable_ops: stable,
                host,
                table: to.table as *const super::CodeSlot,
                helper: to.helper,
                touch_helper: to.touch_helper,
                lru: to.lru,
            };
            emit::Emitter::new(&mut b, &src, tail_sig, helper_sig).translate();
            b.finalize(module.target_config());
        }
        self.define(id)
    }

    /// Compiles the function in the context as `id` and makes it
    /// executable.
    fn define(&mut self, id: FuncId) -> Result<*const u8, String> {
        let module = self.module.as_mut().ok_or("no module")?;
        let defined = module.define_function(id, &mut self.context).map_err(|e| e.to_string());
        module.clear_context(&mut self.context);
        defined?;
        module.finalize_definitions().map_err(|e| e.to_string())?;
        Ok(module.get_finalized_function(id))
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        // SAFETY: whoever owns the compiler drops it only when none of its
        // code can run again (the translator outlives its code's uses).
        unsafe { self.reset() };
        if let Some(module) = self.module.take() {
            // SAFETY: the module was just made; nothing was compiled in it.
            unsafe { module.free_memory() };
        }
    }
}

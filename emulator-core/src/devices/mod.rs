//! The devices of the `virt` machine.

mod clint;
pub mod htif;
mod line;
pub mod plic;
pub mod test_finisher;
mod uart;
pub mod virtio;

pub use clint::Clint;
pub use htif::Htif;
pub use line::{Assertion, IrqLine};
pub use plic::Plic;
pub use uart::{ConsoleInput, Uart};

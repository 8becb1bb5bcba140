//! The `rvsim` command: see `rvsim --help` and the README.

fn main() -> std::process::ExitCode {
    rvsim::cli::main()
}

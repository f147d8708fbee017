//! The `truce` binary: see `truce --help`.

fn main() -> std::process::ExitCode {
    truce::cli::run()
}

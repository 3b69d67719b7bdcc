//! The `kurultai` binary: every subcommand lives in `kurultai::cli`.

fn main() -> std::process::ExitCode {
    kurultai::cli::run()
}

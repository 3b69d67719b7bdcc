//! The `kurultai` binary. On this branch only `tally` exists; the lead's CLI in main adds the rest.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kurultai",
    about = "Participatory budgeting for the municipalities of the Turkic states"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Count a Pabulib `.pb` file.
    Tally(kurultai::tally::cli::TallyArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Tally(args) => kurultai::tally::cli::run(&args),
    }
}

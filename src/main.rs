//! The `kurultai` binary: every subcommand lives in `kurultai::cli`.

/// mimalloc rather than the system allocator: counting makes many small, short-lived
/// allocations (a run's classes and prices), and in a fresh `kurultai tally` process glibc's
/// allocator cost about a tenth of the counting time (Krakow Nowa Huta, docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kurultai::cli::run()
}

//! `attest`: parse the command line and hand over to the CLI module.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: verification and issuance allocate many small
/// JSON values per request, and glibc malloc took about a sixth of the CPU under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = attest::cli::Cli::parse();
    attest::cli::run(cli).await
}

//! `attest`: parse the command line and hand over to the CLI module.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = attest::cli::Cli::parse();
    attest::cli::run(cli).await
}

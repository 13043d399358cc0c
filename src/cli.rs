//! The `attest` command line. Every command goes through the same services as the HTTP API
//! (never through HTTP). Exit codes: 0 success or valid, 1 failed or invalid, 2 usage.

mod commands;
mod invocation;
mod results;
mod verify;
mod webhooks;

use crate::config::{Config, DEFAULT_CONFIG_FILE, LogFormat};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "attest",
    version,
    about = "Signed, verifiable certification credentials"
)]
pub struct Cli {
    /// Configuration file (created with defaults on first run).
    #[arg(long, global = true, default_value = DEFAULT_CONFIG_FILE, env = "ATTEST_CONFIG")]
    pub config: PathBuf,
    /// Refuse to start when a key file is readable by group or others (as
    /// `strict_key_permissions = true` does).
    #[arg(long, global = true)]
    pub strict: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (first run creates the config, the SQLite database and a dev key).
    Serve,
    /// Issue credentials from exam results: a JSON object, a JSON list, or JSON Lines.
    Issue { file: PathBuf },
    /// Verify a credential from a file, a URL or standard input (`-`): JSON with a proof or a
    /// vc+jwt. Exit 0 when valid, 1 when not.
    Verify {
        input: String,
        /// Print the verification result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Render a credential's PDF certificate, or all of them with --all.
    Render {
        /// Credential id (UUID) or URL.
        id: Option<String>,
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Render every credential into --out DIR.
        #[arg(long, requires = "out", conflicts_with = "id")]
        all: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Revoke a credential (final).
    Revoke(StatusArgs),
    /// Suspend a credential (can be reinstated).
    Suspend(StatusArgs),
    /// Lift a suspension.
    Reinstate(StatusArgs),
    /// Signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: Option<AuditCommand>,
    },
    /// Candidates' personal data.
    Candidate {
        #[command(subcommand)]
        command: CandidateCommand,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Consistent online copy of the SQLite database.
    Backup { file: PathBuf },
    /// Webhook subscriptions (Standard Webhooks signatures).
    Webhooks {
        #[command(subcommand)]
        command: webhooks::WebhooksCommand,
    },
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Credential id (UUID) or URL.
    pub id: String,
    #[arg(long)]
    pub reason: String,
    /// Revoke every credential whose lineage depends on this one too.
    #[arg(long)]
    pub cascade: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    List,
    /// Make a new active key; the old one is retired but keeps verifying.
    Rotate,
    /// Register the key files of the keys directory with a database that has no keys yet
    /// (a deliberate move to a new database; `key-N.pem`, the last one becomes active).
    Adopt,
}

#[derive(Debug, Subcommand)]
pub enum CandidateCommand {
    /// Remove a candidate's name, email and request bodies; issued credentials stay as signed
    /// and the audit trail records the erasure.
    Erase {
        /// The exam platform's candidate id.
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, alone on the last line.
    Create {
        #[arg(long, value_parser = ["issuer", "admin"])]
        role: String,
        #[arg(long)]
        name: String,
    },
    List,
    Revoke {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print entries (default).
    List {
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Check the hash chain.
    Verify,
}

pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Colours only on a terminal: captured logs (files, journald, tests) stay plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

pub async fn run(cli: Cli) -> ExitCode {
    let create = matches!(cli.command, Command::Serve);
    let loaded = match Config::load(&cli.config, create, |k| std::env::var(k).ok()) {
        Ok(mut l) => {
            l.config.strict_key_permissions |= cli.strict;
            l
        }
        Err(e) => {
            eprintln!("attest: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(loaded.config.log_format);
    crate::install_tls_provider();
    match commands::dispatch(cli.command, loaded).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("attest: {e:#}");
            ExitCode::from(1)
        }
    }
}

//! What each command does.

use super::{AuditCommand, CandidateCommand, Command, KeysCommand, StatusArgs, TokenCommand};
use crate::clock::SystemClock;
use crate::config::Loaded;
use crate::domain::ids::CredentialId;
use crate::domain::status::StatusAction;
use crate::service::issue::Submitted;
use crate::service::{Actor, Context, Role, audit, keys, status, tokens};
use crate::vc::multibase::ed25519_multikey;
use anyhow::{Context as _, bail};
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;

pub async fn dispatch(command: Command, loaded: Loaded) -> anyhow::Result<ExitCode> {
    let config = loaded.config;
    if loaded.created {
        eprintln!("created {} with defaults", config.path.display());
    }
    // Adoption is what an empty database beside existing key files needs: it must not be
    // refused (or given a new key) before it runs.
    let adopting = matches!(
        command,
        Command::Keys {
            command: KeysCommand::Adopt
        }
    );
    let (ctx, setup) = if adopting {
        (
            Context::open_without_key(config, Arc::new(SystemClock)).await?,
            Default::default(),
        )
    } else {
        Context::open(config, Arc::new(SystemClock)).await?
    };
    if let Some(key) = &setup.created_key {
        eprintln!(
            "generated signing key {key} in {}",
            ctx.keyring.dir().display()
        );
    }
    let actor = Actor::cli();
    match command {
        Command::Serve => serve(ctx).await,
        Command::Migrate => {
            println!(
                "database is migrated: {}",
                crate::config::redact_url(&ctx.config.database_url)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Issue { file } => issue_file(&ctx, &actor, &file).await,
        Command::Verify { input, json } => super::verify::run_verify(&ctx, &input, json).await,
        Command::Render {
            id,
            output,
            all,
            out,
        } => super::verify::run_render(&ctx, id, output.as_deref(), all, out.as_deref()).await,
        Command::Revoke(a) => change(&ctx, &actor, a, StatusAction::Revoke).await,
        Command::Suspend(a) => change(&ctx, &actor, a, StatusAction::Suspend).await,
        Command::Reinstate(a) => change(&ctx, &actor, a, StatusAction::Reinstate).await,
        Command::Keys {
            command: KeysCommand::List,
        } => {
            for k in keys::list(&ctx).await? {
                let state = match k.retired_at {
                    None => "active".to_owned(),
                    Some(t) => format!("retired {}", t.date()),
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    ctx.identity.verification_method(&k),
                    ed25519_multikey(&k.public_key),
                    k.created_at.date(),
                    state
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Adopt,
        } => {
            for k in keys::adopt(&ctx, &actor).await? {
                println!(
                    "adopted {} ({})",
                    ctx.identity.verification_method(&k),
                    ed25519_multikey(&k.public_key)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Candidate {
            command: CandidateCommand::Erase { id, reason },
        } => {
            let erased =
                crate::service::erasure::erase_candidate(&ctx, &actor, &id, &reason).await?;
            println!(
                "erased candidate {id}: {} exam attempts, {} credentials (kept as signed)",
                erased.attempts, erased.credentials
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let k = keys::rotate(&ctx, &actor).await?;
            println!(
                "new active key {} ({})",
                ctx.identity.verification_method(&k),
                ed25519_multikey(&k.public_key)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { role, name },
        } => {
            let role = Role::parse(&role).context("role")?;
            let created = tokens::create(&ctx, &actor, &name, role).await?;
            eprintln!(
                "token `{}` (role {}) created; it is shown once:",
                created.row.name, created.row.role
            );
            println!("{}", created.token);
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::List,
        } => {
            for t in tokens::list(&ctx).await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}", t.name, t.role, state);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Revoke { name },
        } => {
            tokens::revoke(&ctx, &actor, &name).await?;
            println!("token `{name}` revoked");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => match command.unwrap_or(AuditCommand::List {
            after: 0,
            limit: 100,
        }) {
            AuditCommand::List { after, limit } => {
                for r in audit::entries(&ctx, after, limit).await? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        r.seq,
                        r.at,
                        r.actor,
                        r.action,
                        r.credential_id.unwrap_or_default(),
                        r.reason.unwrap_or_default()
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            AuditCommand::Verify => {
                let audit::ChainCheck { checked, broken } = audit::verify_chain(&ctx.store).await?;
                match broken {
                    None => {
                        println!("audit trail intact: {checked} entries");
                        Ok(ExitCode::SUCCESS)
                    }
                    Some(audit::Break { seq, why }) => {
                        println!(
                            "audit trail BROKEN at entry {seq}: {why} ({checked} entries verified before it)"
                        );
                        Ok(ExitCode::from(1))
                    }
                }
            }
        },
        Command::Backup { file } => {
            if file.exists() {
                bail!("{} exists; choose a new file", file.display());
            }
            ctx.store.backup(&file.display().to_string()).await?;
            println!("backup written to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Webhooks { command } => super::webhooks::run(&ctx, &actor, command).await,
    }
}

async fn serve(ctx: Arc<Context>) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(ctx.config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", ctx.config.listen))?;
    let addr = listener.local_addr()?;
    let keys = keys::list(&ctx).await?;
    let active = keys
        .iter()
        .find(|k| k.is_active())
        .context("no active key")?;
    eprintln!("attest is serving on http://{addr}");
    eprintln!("  public URL   {}", ctx.base_url());
    eprintln!("  config       {}", ctx.config.path.display());
    eprintln!(
        "  database     {}",
        crate::config::redact_url(&ctx.config.database_url)
    );
    eprintln!("  keys         {}", ctx.keyring.dir().display());
    eprintln!("  issuer       {}", ctx.identity.issuer_for(active));
    eprintln!(
        "  signing key  {}",
        ctx.identity.verification_method(active)
    );
    eprintln!(
        "create an API token: {} token create --role issuer --name exam-platform",
        super::invocation::self_command()
    );
    crate::app::serve(listener, ctx, shutdown_signal()).await?;
    eprintln!("attest stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn parse_credential_ref(text: &str) -> anyhow::Result<CredentialId> {
    super::verify::parse_ref(text)
}

async fn change(
    ctx: &Context,
    actor: &Actor,
    a: StatusArgs,
    action: StatusAction,
) -> anyhow::Result<ExitCode> {
    let id = parse_credential_ref(&a.id)?;
    let outcome = status::change(ctx, actor, &id, action, &a.reason, a.cascade).await?;
    let verb = if outcome.changed { "now" } else { "already" };
    println!(
        "credential {} is {verb} {}",
        outcome.credential_id,
        outcome.state.as_str()
    );
    for c in &outcome.cascaded {
        println!("  also revoked (depends on it): {c}");
    }
    if !outcome.dependents.is_empty() {
        println!(
            "  {} credential(s) depend on it (use --cascade to revoke them too):",
            outcome.dependents.len()
        );
        for d in &outcome.dependents {
            println!("    {d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn issue_file(
    ctx: &Context,
    actor: &Actor,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let items = super::results::read_results(&file.display().to_string(), &text)?;
    let bar = indicatif::ProgressBar::new(items.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // `println` on the bar prints nothing when stderr is not a terminal (the bar is hidden),
    // so a piped or scripted run would lose every line; suspend the bar and print instead.
    let say = |line: String| bar.suspend(|| println!("{line}"));
    let (mut issued, mut other, mut failed) = (0, 0, 0);
    for chunk in items.chunks(200) {
        let values: Vec<Value> = chunk
            .iter()
            .filter_map(|e| e.as_ref().ok().cloned())
            .collect();
        let mut outcomes = if values.is_empty() {
            Vec::new().into_iter()
        } else {
            crate::service::batch::submit_batch(ctx, actor, &values)
                .await?
                .into_iter()
        };
        for entry in chunk {
            if let Err(refused) = entry {
                failed += 1;
                say(format!(
                    "{}\t{}\t{}",
                    refused.at,
                    refused.error.code(),
                    refused.error
                ));
                continue;
            }
            let Some(item) = outcomes.next() else {
                bail!("the batch answered fewer items than it was given");
            };
            let attempt = item.attempt_id.unwrap_or_default();
            match item.outcome {
                Ok(Submitted::Issued {
                    credential_id,
                    repeat,
                    ..
                }) => {
                    if repeat {
                        other += 1
                    } else {
                        issued += 1
                    }
                    say(format!(
                        "{attempt}\tissued\t{}/credentials/{credential_id}",
                        ctx.base_url()
                    ));
                }
                Ok(Submitted::Pending { missing, .. }) => {
                    other += 1;
                    say(format!(
                        "{attempt}\tpending\tmissing {}",
                        missing.join(", ")
                    ));
                }
                Ok(Submitted::BelowPassMark { .. }) => {
                    failed += 1;
                    say(format!("{attempt}\tbelow_pass_mark"));
                }
                Err(e) => {
                    failed += 1;
                    say(format!("{attempt}\t{}\t{}", e.code, e.message));
                }
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    eprintln!("{issued} issued, {other} repeated or pending, {failed} not issued");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

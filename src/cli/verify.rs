//! `attest verify` and `attest render`: the same services the HTTP API uses.

use crate::domain::ids::CredentialId;
use crate::service::verify::{self, CheckKind, Facts, Status};
use crate::service::{Context, certificate, listing};
use anyhow::{Context as _, bail};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

async fn read_input(input: &str) -> anyhow::Result<Vec<u8>> {
    if input == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        return Ok(buf);
    }
    if input.starts_with("http://") || input.starts_with("https://") {
        let res = crate::service::verify::fetch_for_cli(input)
            .await
            .map_err(anyhow::Error::msg)?;
        return Ok(res);
    }
    std::fs::read(input).with_context(|| format!("cannot read {input}"))
}

pub async fn run_verify(ctx: &Context, input: &str, json: bool) -> anyhow::Result<ExitCode> {
    let bytes = read_input(input).await?;
    let (presented, checks) = match crate::http::verify::read_presented(&bytes) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "attest: cannot read a credential from {input}: {}",
                e.detail
            );
            return Ok(ExitCode::from(2));
        }
    };
    let verdict = verify::verify(ctx, presented, checks.as_deref()).await?;
    if json {
        use std::io::Write;
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&verdict)?
        );
    } else {
        let c = &verdict.credential;
        println!("{}", verdict.headline().title(&ctx.config.issuer_name));
        for (label, value) in [
            ("holder", Facts::text(&c.holder)),
            ("achievement", Facts::text(&c.achievement)),
            ("issuer", c.issuer.as_deref().unwrap_or_default()),
            ("valid until", Facts::text(&c.valid_until)),
        ] {
            if !value.is_empty() {
                println!("  {label:<12} {value}");
            }
        }
        let name = Facts::text(&c.issuer_name);
        if verdict.status_of(CheckKind::Issuer) != Some(Status::Passed) && !name.is_empty() {
            println!("  {:<12} claims to be “{name}”", "");
        }
        for check in &verdict.checks {
            let mark = match check.status {
                Status::Passed => "ok",
                Status::Failed => "FAILED",
                Status::Unknown => "UNKNOWN",
                Status::Skipped => "skipped",
            };
            println!("  {:<11} {mark:<8} {}", check.check, check.detail);
        }
    }
    // Exit 0 means what VALID means: a person's script must not accept an unknown issuer.
    Ok(if verdict.headline() == verify::Headline::Valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn parse_ref(text: &str) -> anyhow::Result<CredentialId> {
    let tail = text
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let tail = tail
        .trim_end_matches(".pdf")
        .trim_end_matches(".json")
        .trim_end_matches(".jwt");
    CredentialId::parse(tail).map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn run_render(
    ctx: &Context,
    id: Option<String>,
    output: Option<&Path>,
    all: bool,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if !all {
        let Some(id) = id else {
            bail!("name a credential id, or use --all --out DIR")
        };
        let id = parse_ref(&id)?;
        let pdf = certificate::render(ctx, &id).await?;
        let path = output
            .map(Path::to_path_buf)
            .unwrap_or_else(|| format!("certificate-{}.pdf", id.human_code()).into());
        std::fs::write(&path, pdf).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let dir = out.context("--out DIR is required with --all")?;
    std::fs::create_dir_all(dir)?;
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = listing::page(ctx, listing::Filter::default(), cursor.as_ref(), 500).await?;
        ids.extend(page.rows.into_iter().map(|r| r.credential_id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    ids.sort();
    ids.dedup();
    let bar = indicatif::ProgressBar::new(ids.len() as u64);
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let total = ids.len();
    for id in ids {
        let view = certificate::view(ctx, &id).await?;
        let path = dir.join(format!("{id}.pdf"));
        // The configured gate (`pdf_max_concurrent`) bounds the renders in flight; waiting for
        // it rather than being refused, as this command owns the whole workload.
        let permit = ctx.pdf_renders.enter().await?;
        let threads = ctx.pdf_threads.clone();
        tasks.spawn(async move {
            certificate::render_view(&threads, view, permit)
                .await
                .map(|pdf| (path, pdf))
        });
        while let Some(done) = tasks.try_join_next() {
            let (path, pdf) = done??;
            std::fs::write(&path, pdf)?;
            bar.inc(1);
        }
    }
    while let Some(done) = tasks.join_next().await {
        let (path, pdf) = done??;
        std::fs::write(&path, pdf)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} certificates in {:.1} s ({:.1} ms each) into {}",
        total,
        secs,
        secs * 1000.0 / total.max(1) as f64,
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

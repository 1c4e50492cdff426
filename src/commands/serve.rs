//! `chorus serve`: the local web page and read-only JSON API.

use std::path::Path;
use std::process::ExitCode;

use chorus_core::vectors::{EmbedFailure, Embedder};
use chorus_serve::ServeConfig;

use super::Ctx;
use crate::cli::ServeArgs;
use crate::error::Usage;
use crate::stdout::outln;

pub fn run(ctx: &Ctx, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.addr.ip().is_loopback() {
        if !args.public {
            return Err(Usage::new(format!(
                "`{}` is not a loopback address: the server would answer anyone who can reach this machine",
                args.addr
            ))
            .hint("serve on 127.0.0.1 (the default), or say `--public` if that is what you want")
            .into());
        }
        tracing::warn!(
            "serving on {}: anyone who can reach this machine can read the workspace",
            args.addr
        );
    }
    if args.review && !args.addr.ip().is_loopback() {
        return Err(Usage::new(format!(
            "review mode edits the workspace: it listens on loopback only, not on `{}`",
            args.addr
        ))
        .hint("drop `--addr`, or serve read-only with `--public`")
        .into());
    }
    let report_dir = ctx.project.root.join(&args.report);
    let review = args
        .review
        .then(|| review_mode(ctx, args, &report_dir))
        .transpose()?;
    let token = review.as_ref().map(|r| r.token.clone());
    let cfg = ServeConfig {
        addr: args.addr,
        report: Some(report_dir),
        semantic: !args.no_semantic,
        cache: !args.no_cache,
        review,
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let load = |dir: Option<&Path>| -> Result<Box<dyn Embedder>, EmbedFailure> {
        let dir = chorus_embed::resolve_model_dir(dir).map_err(EmbedFailure::new)?;
        let model = chorus_embed::load_query_model(&dir, threads, 1).map_err(EmbedFailure::new)?;
        Ok(Box::new(model))
    };
    let json = ctx.cli.json;
    chorus_serve::run(&ctx.project.workspace, cfg, &load, |addr| {
        let review_url = token.map(|t| format!("http://{addr}/review?token={t}"));
        if json {
            outln!(
                "{}",
                serde_json::json!({ "listening": format!("http://{addr}"), "review": review_url })
            );
        } else {
            outln!("listening on http://{addr}  (Ctrl-C stops)");
            if let Some(url) = review_url {
                outln!("review themes at {url}\n(the token in this link is the only way to edit; it changes at every start)");
            }
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Review mode: who reviews, and how the stages a codebook edit makes stale are rerun: themes,
/// index and the served report, in turn (never ingest or embed: an edit changes neither).
fn review_mode(
    ctx: &Ctx,
    args: &ServeArgs,
    report_dir: &Path,
) -> anyhow::Result<chorus_serve::review::Review> {
    let ws = &ctx.project.workspace;
    let reviewer = args
        .reviewer
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "unknown".into());
    let with_ws = |rest: &[&std::ffi::OsStr]| -> Vec<std::ffi::OsString> {
        let mut v: Vec<std::ffi::OsString> =
            vec!["-q".into(), "--workspace".into(), ws.root().into()];
        v.extend(rest.iter().map(|a| a.to_os_string()));
        v
    };
    let commands = vec![
        with_ws(&["themes".as_ref()]),
        with_ws(&["index".as_ref()]),
        with_ws(&["report".as_ref(), "--out".as_ref(), report_dir.as_os_str()]),
    ];
    Ok(chorus_serve::review::Review::new(
        ws,
        reviewer,
        std::env::current_exe()?,
        commands,
    ))
}

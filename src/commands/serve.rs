//! `chorus serve`: the local web page and read-only JSON API.

use std::path::Path;
use std::process::ExitCode;

use chorus_core::vectors::EmbedFailure;
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
    let cfg = ServeConfig {
        addr: args.addr,
        report: Some(ctx.project.root.join(&args.report)),
        semantic: !args.no_semantic,
        cache: !args.no_cache,
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let load = |dir: Option<&Path>| {
        chorus_embed::load_embedder(dir, threads, 1).map_err(EmbedFailure::new)
    };
    let json = ctx.cli.json;
    chorus_serve::run(&ctx.project.workspace, &cfg, &load, |addr| {
        if json {
            outln!(
                "{}",
                serde_json::json!({ "listening": format!("http://{addr}") })
            );
        } else {
            outln!("listening on http://{addr}  (Ctrl-C stops)");
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

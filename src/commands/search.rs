//! `chorus search`: words, meaning or both, with facet filters.

use std::io::IsTerminal;
use std::process::ExitCode;

use chorus_index::search::{self, Mode, SearchRequest, Semantic};

use super::Ctx;
use crate::cli::SearchArgs;
use crate::error::Usage;
use crate::output;
use crate::stdout::{self, out};

pub fn run(ctx: &Ctx, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let mode = if args.semantic {
        Mode::Semantic
    } else if args.hybrid {
        Mode::Hybrid
    } else {
        Mode::Lexical
    };
    let req = SearchRequest {
        query: args.query.clone(),
        filters: args.filters(),
        from: args.from.clone(),
        to: args.to.clone(),
        limit: args.limit,
        offset: args.offset,
        mode,
        themes: args.themes,
    };
    let ws = &ctx.project.workspace;
    if !chorus_index::exists(ws) {
        return Err(Usage::new(format!(
            "the workspace `{}` has no index yet",
            ws.root().display()
        ))
        .hint("run `chorus index` first")
        .into());
    }
    if chorus_index::half_built(ws) && !ctx.cli.quiet {
        // what the last commit holds is searchable, but the reader must know it is not all
        eprintln!(
            "warning: the index is half-built (the last `chorus index` was interrupted): hits may miss units; run `chorus index` again to finish it"
        );
    }
    let (idx, fields) = chorus_index::open(ws)?;
    let resp = if mode == Mode::Lexical || args.themes {
        search::search(&idx, &fields, &req, None)?
    } else {
        let vectors = chorus_core::vectors::load(ws)?;
        let model = chorus_embed::load_query_model(&vectors.info.model_dir, 2, 1)?;
        let skip = search::rows_without_content(ws, &vectors);
        let semantic = Semantic {
            model: &model,
            vectors: &vectors,
            rows: None,
            scores: None,
            skip: Some(&skip),
            filters: None,
        };
        search::search(&idx, &fields, &req, Some(&semantic))?
    };
    if ctx.cli.json {
        stdout::json(&resp)?;
    } else {
        let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        out!("{}", output::search_text(&resp, color));
    }
    Ok(ExitCode::SUCCESS)
}

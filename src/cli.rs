//! The command line (clap derive only; the doc comments are the help).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// chorus: turn many events' transcripts and survey answers into a searchable theme index and
/// synthesis reports.
///
/// Example: chorus ingest data/demo && chorus ingest --json data/demo | jq .totals
#[derive(Debug, Parser)]
#[command(name = "chorus", version, propagate_version = true)]
pub struct Cli {
    /// Workspace folder (default: `.chorus/` beside `chorus.toml`, or in the current folder).
    #[arg(long, global = true, env = "CHORUS_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// More log lines on stderr (-v: debug, -vv: trace). `RUST_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Machine-readable JSON on stdout instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read event folders, transcripts, surveys and Pol.is exports into the corpus frames.
    ///
    /// Each PATH is an event folder (with `event.toml`), a Pol.is export folder, a single
    /// file, or a folder of any of these. Re-ingesting an event replaces it; other events are
    /// left untouched. Exit code 1 when rows were rejected (they are kept in the rejects
    /// table), 2 with --strict or when nothing usable was read.
    ///
    /// Example: chorus ingest data/demo ../shared/data
    Ingest(IngestArgs),
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Event folders, export folders or files (default: `[ingest] inputs` of chorus.toml).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat any rejected row as fatal (exit code 2).
    #[arg(long)]
    pub strict: bool,
    /// Keep personal data (emails, phone numbers, addresses) instead of redacting it.
    #[arg(long)]
    pub no_redact: bool,
    /// Longest transcript unit in characters; longer turns are split at sentence boundaries.
    #[arg(long, value_name = "N")]
    pub max_unit_chars: Option<usize>,
}

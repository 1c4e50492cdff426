//! The command line (clap derive only; the doc comments are the help).

use std::path::PathBuf;

use chorus_core::model::Facet;
use chorus_embed::EmbedConfig;
use chorus_index::IndexConfig;
use chorus_insights::InsightsConfig;
use chorus_themes::ThemesConfig;
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

// parsed once at start-up: the size of the largest variant does not matter
#[allow(clippy::large_enum_variant)]
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
    /// Build or update the theme index (tantivy) of every unit in the workspace.
    ///
    /// Only events whose frames changed since the last run are re-indexed. A run that is
    /// killed leaves the last commit searchable; the next run completes it.
    ///
    /// Example: chorus index
    Index(IndexArgs),
    /// Search the theme index: tantivy query syntax, facet filters, highlighted snippets.
    ///
    /// Terms are joined with AND; use OR / NOT, "phrases", `field:term` (fields: text_en,
    /// text_de, ..., event_id, participant_id), or `*` for every unit matching the filters.
    /// Exit code 2 on a bad query.
    ///
    /// Example: chorus search '"minimum wage"' --country Canada --frame keep --limit 5
    Search(SearchArgs),
    /// Embed every unit with a sentence-transformers model (all-MiniLM-L6-v2 by default).
    ///
    /// Vectors are cached by (model, normalised text): a rerun or a new event embeds only new
    /// text.
    ///
    /// Example: chorus embed --threads 2
    Embed(EmbedArgs),
    /// Find themes: clusters of units with labels, keywords, subthemes and quotes.
    ///
    /// Edits in `.chorus/themes/codebook.toml` (rename, merge, split, pin, seed) are applied
    /// on every run; theme ids stay stable across reruns and added events.
    ///
    /// Example: chorus themes --seed 42
    Themes(ThemesArgs),
    /// Evaluate the themes: agreement with a gold labelling, coherence, diversity, stability.
    ///
    /// Example: chorus eval --gold event --json
    Eval(EvalArgs),
    /// Write the synthesis report: insights.json, report.md and tables/*.csv.
    ///
    /// Every number comes from the workspace; every quote is checked verbatim against the
    /// corpus; breakdown cells resting on fewer than --k participants are withheld.
    ///
    /// Example: chorus report --out out/report
    Report(ReportArgs),
    /// Serve the workspace on a local web page and a read-only JSON API.
    ///
    /// Search with facets and highlighted snippets (words, meaning or both), browse themes down
    /// to a quote in its source, compare events, and open the report. The API is described at
    /// /api/openapi.json. Bound to 127.0.0.1 unless --addr says otherwise; Ctrl-C stops it.
    ///
    /// Example: chorus serve --addr 127.0.0.1:7878
    Serve(ServeArgs),
    /// Write a commented chorus.toml (inputs, column roles, sources, options, seed) into DIR.
    ///
    /// Example: chorus init my-project
    Init(InitArgs),
    /// Run every stage whose inputs changed (ingest, embed, themes, index, report); skip the rest.
    ///
    /// Inputs come from chorus.toml; the report goes to out/report beside it. Exit code 1 when
    /// ingest rejected rows, 2 when a stage failed (later stages are not run).
    ///
    /// Example: chorus run
    Run,
    /// Show what the workspace holds and which stages are stale.
    ///
    /// Example: chorus status --json
    Status,
    /// Print a shell completion script.
    ///
    /// Example: chorus completions bash > ~/.local/share/bash-completion/completions/chorus
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: std::net::SocketAddr,
    /// Listen on an address other than loopback (the server then answers anyone who can
    /// reach this machine: the workspace's units become readable by them).
    #[arg(long)]
    pub public: bool,
    /// The report folder to serve under /report/.
    #[arg(long, default_value = "out/report", value_name = "DIR")]
    pub report: PathBuf,
    /// Do not load the embedding model (word search only; starts faster).
    #[arg(long)]
    pub no_semantic: bool,
    /// Do not keep the answers of recent API searches (every request searches the index).
    #[arg(long)]
    pub no_cache: bool,
    /// Theme review in the browser: rename, merge, split, seed, pin quotes and sign themes off
    /// on /review. Each edit writes the codebook and an audit log, then reruns the stale stages.
    /// Loopback only; needs the one-time token printed at start.
    #[arg(long)]
    pub review: bool,
    /// The name the audit log records for review actions (default: the login name).
    #[arg(long, value_name = "NAME", requires = "review")]
    pub reviewer: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder (created when missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Folder to write the report into.
    #[arg(long, default_value = "out/report", value_name = "DIR")]
    pub out: PathBuf,
    /// Fewest participants behind a published breakdown cell.
    #[arg(long, default_value_t = InsightsConfig::default().k)]
    pub k: usize,
}

#[derive(Debug, Args)]
pub struct ThemesArgs {
    /// Seed of the clustering (same seed and inputs, same themes) [default: `seed` in
    /// chorus.toml, else 42]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of top-level themes (default: from the corpus size).
    #[arg(long)]
    pub themes: Option<usize>,
    /// Lowest similarity between a unit and a theme centre for the unit to join the theme.
    #[arg(long, default_value_t = ThemesConfig::default().min_similarity)]
    pub min_similarity: f32,
    /// Weight of words against meaning when grouping units into micro-clusters.
    #[arg(long, default_value_t = ThemesConfig::default().vocabulary_weight)]
    pub vocabulary_weight: f32,
    /// Weight of a transcript unit's topic segment blended into its own meaning (0 = none):
    /// a short or vague line takes its meaning from the talk around it.
    #[arg(long, default_value_t = ThemesConfig::default().context_weight)]
    pub context_weight: f32,
    /// Cluster from scratch, even when the last run's themes could take the units (by
    /// default units join existing themes, and ids stay).
    #[arg(long)]
    pub recluster: bool,
    /// Label from c-TF-IDF alone, without loading the model.
    #[arg(long)]
    pub no_model_labels: bool,
    /// CPU threads.
    #[arg(long, default_value_t = ThemesConfig::default().threads)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold labelling: `event` (each event a class, e.g. mixed Pol.is conversations),
    /// `ami-topics:DIR` (AMI's human topic segmentation; DIR is the release folder
    /// `ami/original` with `topics/` and `words/`), or FILE.csv, any human labelling with
    /// columns `event,line,label` (line: the plain-text line, or the cue/row number of the
    /// unit's provenance) or `unit_id,label`. Transcript labellings also score the topic
    /// segments (Pk, WindowDiff, coverage) beside equal blocks and TextTiling.
    #[arg(long)]
    pub gold: Option<String>,
    /// Seed of the second clustering for the stability figure.
    #[arg(long, default_value_t = 43)]
    pub other_seed: u64,
}

#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// `english` (all-MiniLM-L6-v2), `multilingual` (multilingual-e5-small) or a
    /// sentence-transformers folder. Default: `[embed] model` of chorus.toml, else
    /// `CHORUS_MODEL_DIR`, else by the corpus: english when at least 95% of the units are in
    /// English, multilingual otherwise.
    #[arg(long, value_name = "NAME|DIR")]
    pub model: Option<String>,
    /// CPU threads for inference.
    #[arg(long, default_value_t = EmbedConfig::default().threads)]
    pub threads: usize,
    /// Texts per forward pass (length-sorted; 16 measured fastest on 2 cores).
    #[arg(long, default_value_t = EmbedConfig::default().batch)]
    pub batch: usize,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Commit after at least this many units (fewer commits index faster; more lose less work
    /// if the run is killed).
    #[arg(long, default_value_t = IndexConfig::default().commit_every, value_name = "UNITS")]
    pub commit_every: usize,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query (tantivy syntax).
    pub query: String,
    /// Only these events (repeat the flag for several).
    #[arg(long)]
    pub event: Vec<String>,
    /// Only events in these countries.
    #[arg(long)]
    pub country: Vec<String>,
    /// Only events of these sectors (as `event.toml` names them).
    #[arg(long)]
    pub sector: Vec<String>,
    /// Only events at these levels of government.
    #[arg(long)]
    pub level: Vec<String>,
    /// Only units of participants in these roles (e.g. `facilitator`).
    #[arg(long)]
    pub role: Vec<String>,
    /// Only answers to questions of this frame (leave_behind, keep, do_differently).
    #[arg(long)]
    pub frame: Vec<String>,
    /// Only answers to this question id (`EVENT:question-key`).
    #[arg(long)]
    pub question: Vec<String>,
    /// Only units of this theme.
    #[arg(long)]
    pub theme: Vec<String>,
    /// Only units in this language (ISO 639-1, e.g. `de`).
    #[arg(long)]
    pub lang: Vec<String>,
    /// Only events on or after this date (yyyy-mm-dd).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only events on or before this date (yyyy-mm-dd).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Hits per page.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip (for the next pages).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Rank by meaning: the query's embedding against the units' (needs `chorus embed`).
    #[arg(long, conflicts_with = "hybrid")]
    pub semantic: bool,
    /// Fuse word (BM25) and meaning rankings by reciprocal rank.
    #[arg(long)]
    pub hybrid: bool,
    /// Search the themes (label, keywords, quotes) instead of the units.
    #[arg(long, conflicts_with_all = ["semantic", "hybrid"])]
    pub themes: bool,
}

impl SearchArgs {
    /// The facet filters given, in the order of [`Facet::FILTERS`].
    pub fn filters(&self) -> Vec<(Facet, Vec<String>)> {
        Facet::FILTERS
            .into_iter()
            .map(|f| {
                let values = match f {
                    Facet::Event => &self.event,
                    Facet::Country => &self.country,
                    Facet::Sector => &self.sector,
                    Facet::Level => &self.level,
                    Facet::Frame => &self.frame,
                    Facet::Question => &self.question,
                    Facet::Theme => &self.theme,
                    Facet::Lang => &self.lang,
                    Facet::Role => &self.role,
                    other => unreachable!("{} is not a filter", other.name()),
                };
                (f, values.clone())
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Event folders, export folders or files (default: `[ingest] inputs` of chorus.toml).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// All or nothing: if any row is rejected, write nothing and exit with code 2.
    #[arg(long)]
    pub strict: bool,
    /// Keep personal data (emails, phone numbers, addresses) instead of redacting it.
    #[arg(long)]
    pub no_redact: bool,
    /// Longest transcript unit in characters; longer turns are split at sentence boundaries.
    #[arg(long, value_name = "N")]
    pub max_unit_chars: Option<usize>,
}

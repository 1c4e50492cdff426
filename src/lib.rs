//! chorus turns what many public events produced (session transcripts, survey answers, Pol.is
//! conversations) into a searchable theme index and synthesis reports.
//!
//! The pipeline, one module per stage, each reading the artifacts of the one before from the
//! workspace (`.chorus/`) and writing its own:
//!
//! ```text
//! event folders --ingest--> corpus (parquet frames: events, sources, participants,
//!                           questions, units, answers; rejects kept aside)
//!               --index---> tantivy index of units and themes
//!               --embed---> sentence vectors (rust-bert, all-MiniLM-L6-v2)
//!               --themes--> themes, labels, representative quotes
//!               --report--> HTML, Markdown, JSON, charts
//! ```
//!
//! Ingesting the demo corpus:
//!
//! ```no_run
//! use chorus::{ingest, model::Workspace};
//! let ws = Workspace::new(".chorus");
//! let cfg = ingest::IngestConfig { paths: vec!["data/demo".into()], ..Default::default() };
//! let report = ingest::run(&cfg, &ws)?;
//! println!("{} units from {} events", report.units(), report.events.len());
//! # Ok::<(), chorus::ingest::IngestError>(())
//! ```

pub mod config;
pub mod embed;
pub mod index;
pub mod ingest;
pub mod insights;
pub mod model;
pub mod output;
pub mod progress;
pub mod report;
pub mod serve;
pub mod themes;
pub mod workbench;

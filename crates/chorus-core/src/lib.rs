//! The core of chorus: what every stage shares and nothing stage-specific.
//!
//! - [`error`]: the category and hint every error carries;
//! - [`model`]: the vocabulary (tables, column names, frames, ids) and the workspace layout;
//! - [`store`]: reading and writing the workspace's parquet frames;
//! - [`vectors`]: the vector artifact and the [`vectors::Embedder`] trait (no libtorch here);
//! - [`text`]: formatting shared by every output (times, places in a source);
//! - [`progress`]: progress of long stages on stderr;
//! - [`sys`]: random bytes and the time.
//!
//! The pipeline, one crate per stage on this one, each reading the artifacts of the one before
//! from the workspace (`.chorus/`) and writing its own:
//!
//! ```text
//! event folders --ingest--> corpus (parquet frames; rejects kept aside)
//!               --embed---> sentence vectors (BERT on tch)
//!               --themes--> themes, subthemes, labels, quotes
//!               --index---> tantivy index of units and themes
//!               --report--> HTML, Markdown, JSON, charts (insights: the numbers)
//! workspace + report --serve--> web page and JSON API
//! ```
//!
//! Reading the units of an ingested workspace:
//!
//! ```no_run
//! use chorus_core::model::{Table, Workspace};
//! let ws = Workspace::new(".chorus");
//! let units = chorus_core::store::read_table(&ws, Table::Units)?;
//! println!("{} units", units.height());
//! # Ok::<(), polars::prelude::PolarsError>(())
//! ```

pub mod error;
pub mod model;
pub mod names;
pub mod progress;
pub mod store;
pub mod sys;
pub mod text;
pub mod themes_artifact;
pub mod vectors;

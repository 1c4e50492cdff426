//! Integration tests: the real `chorus` binary on real small inputs (the demo corpus,
//! hand-made edge cases) and on the shared corpora in `../shared/data`, one module per stage.

mod browser;
mod cli;
mod common;
mod embed;
mod index;
mod ingest;
mod languages;
mod redaction;
mod report;
mod review;
mod segments;
mod serve;
mod themes;
mod workbench;

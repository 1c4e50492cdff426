//! The storage layer: parquet files of the workspace, written atomically (temporary file, then
//! rename) and read whole or as one table across every event. Every stage reads and writes
//! frames through these functions only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::model::{col, Table, Workspace};

pub fn write_parquet(path: &Path, df: &mut DataFrame) -> PolarsResult<()> {
    let staged = stage_parquet(path, df)?;
    std::fs::rename(&staged, path)?;
    Ok(())
}

/// Writes the frames of `chunks` (one schema, at least one frame) into one parquet file at
/// `path`, one after the other, so only one is in memory at a time; staged and renamed like
/// [`write_parquet`].
pub fn write_parquet_chunks(
    path: &Path,
    mut chunks: impl Iterator<Item = PolarsResult<DataFrame>>,
) -> PolarsResult<()> {
    let Some(first) = chunks.next() else {
        polars_bail!(ComputeError: "no frame to write to {}", path.display());
    };
    let first = first?;
    let (tmp, writer) = staged_writer(path)?;
    let mut writer = writer.batched(first.schema())?;
    writer.write_batch(&first)?;
    drop(first);
    for chunk in chunks {
        writer.write_batch(&chunk?)?;
    }
    writer.finish()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// A frame column from rows: `column!(rows, col::UNIT_ID, |r| r.unit_id.as_str())`.
#[macro_export]
macro_rules! column {
    ($rows:expr, $name:expr, |$r:ident| $e:expr) => {
        ::polars::prelude::Column::new($name.into(), $rows.iter().map(|$r| $e).collect::<Vec<_>>())
    };
}

/// Writes `df` beside `path` as `path.tmp` and returns that path: files that must change
/// together are all staged, then all renamed ([`commit_staged`]).
pub fn stage_parquet(path: &Path, df: &mut DataFrame) -> PolarsResult<PathBuf> {
    let (tmp, writer) = staged_writer(path)?;
    writer.finish(df)?;
    Ok(tmp)
}

/// The staged path of `path` (its folder made) and a Zstd parquet writer on a new file there.
fn staged_writer(path: &Path) -> PolarsResult<(PathBuf, ParquetWriter<std::fs::File>)> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = staged_path(path);
    let writer = ParquetWriter::new(std::fs::File::create(&tmp)?)
        .with_compression(ParquetCompression::Zstd(None));
    Ok((tmp, writer))
}

/// Where [`stage_parquet`] writes `path`.
pub fn staged_path(path: &Path) -> PathBuf {
    path.with_extension("parquet.tmp")
}

/// Renames staged files into place, in order.
pub fn commit_staged(paths: &[&Path]) -> PolarsResult<()> {
    for path in paths {
        std::fs::rename(staged_path(path), path)?;
    }
    Ok(())
}

/// A string column as owned optional values (missing column or wrong type: an error).
pub fn str_column(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// `key` -> `value` of every row where both are set (the last row wins for a repeated key).
pub fn string_map(
    df: &DataFrame,
    key: &str,
    value: &str,
) -> PolarsResult<std::collections::BTreeMap<String, String>> {
    Ok(str_column(df, key)?
        .into_iter()
        .zip(str_column(df, value)?)
        .filter_map(|(k, v)| Some((k?, v?)))
        .collect())
}

/// Each event's title (`event.toml`), by event id, for the events that have one.
pub fn event_titles(ws: &Workspace) -> PolarsResult<std::collections::BTreeMap<String, String>> {
    string_map(&read_table(ws, Table::Events)?, col::EVENT_ID, col::TITLE)
}

/// Reads one parquet file.
pub fn read_file(path: &Path) -> PolarsResult<DataFrame> {
    ParquetReader::new(std::fs::File::open(path)?).finish()
}

/// Reads one table across all events of the workspace (empty when nothing was ingested).
pub fn read_table(ws: &Workspace, table: Table) -> PolarsResult<DataFrame> {
    let dir = ws.table_dir(table);
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    if files.is_empty() {
        return Ok(DataFrame::empty());
    }
    let paths: Vec<PlRefPath> = files
        .iter()
        .map(|p| PlRefPath::new(p.to_string_lossy().as_ref()))
        .collect();
    LazyFrame::scan_parquet_files(paths.into_iter().collect(), ScanArgsParquet::default())?
        .collect()
}

/// Distinct event ids present in the workspace.
pub fn workspace_events(ws: &Workspace) -> BTreeSet<String> {
    std::fs::read_dir(ws.table_dir(Table::Events))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.path()
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

//! How the server follows the workspace: what it reads, stamped by size and time of change
//! (a change that holds still is loaded again), and the query model kept across those loads.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chorus_core::model::Workspace;
use chorus_core::vectors::{EmbedFailure, Embedder, LoadEmbedder};

/// What the server reads, by size and modification time: when it changes (and then holds
/// still for a moment), the workspace is loaded again.
pub(crate) fn fingerprint(ws: &Workspace, report: Option<&Path>) -> Stamps {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [ws.themes_dir(), ws.index_dir()] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            files.extend(rd.flatten().map(|e| e.path()).filter(|p| {
                // the review log and codebook change without anything to reload
                !p.ends_with("audit.jsonl") && p.extension().is_none_or(|x| x != "lock")
            }));
        }
    }
    if let Some(r) = report {
        files.extend(["index.html", "insights.json", "manifest.json"].map(|f| r.join(f)));
    }
    stamps(files)
}

/// The stamps of `files`, in path order (a missing file: size 0, no time).
fn stamps(mut files: Vec<PathBuf>) -> Stamps {
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let m = std::fs::metadata(&p).ok();
            let len = m.as_ref().map_or(0, |m| m.len());
            let modified = m.and_then(|m| m.modified().ok());
            (p, len, modified)
        })
        .collect()
}

/// Each file's path, size and time of change.
type Stamps = Vec<(PathBuf, u64, Option<std::time::SystemTime>)>;

/// A model folder and its files' stamps (one level of subfolders, as a sentence-transformers
/// folder has): the same model while they hold.
fn model_files(dir: Option<&Path>) -> ModelFiles {
    let mut files = Vec::new();
    if let Some(rd) = dir.and_then(|d| std::fs::read_dir(d).ok()) {
        for p in rd.flatten().map(|e| e.path()) {
            match std::fs::read_dir(&p) {
                Ok(sub) => files.extend(sub.flatten().map(|e| e.path())),
                Err(_) => files.push(p),
            }
        }
    }
    (dir.map(Path::to_path_buf), stamps(files))
}

/// The query model of the last load, kept while its folder's files are unchanged: a rerun never
/// changes the model, and loading it again took a core for seconds and held up searches
/// meanwhile.
pub(crate) struct KeptModel<'a> {
    load: LoadEmbedder<'a>,
    kept: Mutex<Option<(ModelFiles, Arc<dyn Embedder>)>>,
}

/// A model folder and its files' stamps.
type ModelFiles = (Option<PathBuf>, Stamps);

impl<'a> KeptModel<'a> {
    pub(crate) fn new(load: LoadEmbedder<'a>) -> Self {
        Self {
            load,
            kept: Mutex::new(None),
        }
    }

    /// The model of `dir`: the kept one when its files are the same, else loaded (and kept).
    pub(crate) fn load(&self, dir: Option<&Path>) -> Result<Box<dyn Embedder>, EmbedFailure> {
        let files = model_files(dir);
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, model)) = kept.as_ref().filter(|(f, _)| *f == files) {
            tracing::debug!(?dir, "the query model is unchanged: kept");
            return Ok(Box::new(model.clone()));
        }
        let model: Arc<dyn Embedder> = Arc::from((self.load)(dir)?);
        *kept = Some((files, model.clone()));
        Ok(Box::new(model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fixed;

    impl Embedder for Fixed {
        fn encode(&self, texts: &[&str], _: usize) -> Result<Vec<Vec<f32>>, EmbedFailure> {
            Ok(texts.iter().map(|_| vec![1.0]).collect())
        }
    }

    #[test]
    fn the_model_is_loaded_again_only_when_its_files_change() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("1_Pooling")).unwrap();
        std::fs::write(dir.path().join("1_Pooling/config.json"), "{}").unwrap();
        std::fs::write(dir.path().join("model.safetensors"), "weights").unwrap();
        let loads = AtomicUsize::new(0);
        let load = |_: Option<&Path>| -> Result<Box<dyn Embedder>, EmbedFailure> {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Fixed))
        };
        let kept = KeptModel::new(&load);
        for _ in 0..3 {
            kept.load(Some(dir.path())).unwrap();
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        // new weights, or a file in a subfolder changed: loaded again
        std::fs::write(dir.path().join("model.safetensors"), "other weights").unwrap();
        kept.load(Some(dir.path())).unwrap();
        std::fs::write(dir.path().join("1_Pooling/config.json"), "{\"a\": 1}").unwrap();
        kept.load(Some(dir.path())).unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 3);
        // another folder
        kept.load(None).unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 4);
    }
}

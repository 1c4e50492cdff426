//! Many callers' texts embedded in shared forward passes: the server's meaning searches each
//! need one query embedded, and one forward pass over 32 short queries costs little more than
//! over one. Concurrent calls share passes by group commit ([`GroupCommit`]); recent queries'
//! vectors are kept, so a repeated query is not embedded again.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::group::GroupCommit;
use super::{EmbedFailure, Embedder};

/// Texts per forward pass (the embedder splits a larger batch across its instances).
const PASS: usize = 32;

/// Vectors kept for repeated texts; emptied when full.
const KEEP: usize = 8192;

/// An [`Embedder`] that batches concurrent callers and remembers recent texts.
pub struct Batched {
    inner: Box<dyn Embedder>,
    passes: GroupCommit<String, Vec<f32>>,
    seen: Mutex<HashMap<String, Vec<f32>>>,
}

impl Batched {
    pub fn new(inner: Box<dyn Embedder>) -> Self {
        Self {
            inner,
            passes: GroupCommit::default(),
            seen: Mutex::default(),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<f32>>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One pass over the queued texts.
    fn pass(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, String> {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let started = std::time::Instant::now();
        // an even number of equal batches: the embedder's instances (one per core) finish
        // together instead of one waiting on the other's last batch
        let batch = texts
            .len()
            .div_ceil(2 * texts.len().div_ceil(2 * PASS))
            .max(1);
        let result = self.inner.encode(&texts, batch).map_err(|e| e.to_string());
        tracing::debug!(
            texts = texts.len(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "shared embedding pass"
        );
        let vectors = result?;
        let mut seen = self.seen();
        if seen.len() + texts.len() > KEEP {
            seen.clear();
        }
        for (t, v) in texts.iter().zip(&vectors) {
            seen.insert((*t).to_string(), v.clone());
        }
        Ok(vectors)
    }
}

impl Embedder for Batched {
    fn encode(&self, texts: &[&str], batch: usize) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        // a large request (not a search query) goes straight through
        if texts.len() > PASS {
            return self.inner.encode(texts, batch);
        }
        let known = {
            let seen = self.seen();
            texts
                .iter()
                .map(|t| seen.get(*t).cloned())
                .collect::<Option<Vec<_>>>()
        };
        if let Some(all) = known {
            return Ok(all);
        }
        self.passes
            .run(texts.iter().map(|t| (*t).to_string()).collect(), |t| {
                self.pass(t)
            })
            .map_err(|e| EmbedFailure::new(BatchError(e)))
    }
}

/// A shared pass failed; each caller gets its message.
#[derive(Debug)]
struct BatchError(String);

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BatchError {}

impl crate::error::Diagnostic for BatchError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A slow embedder that counts its passes: text length as the vector.
    struct Slow(Arc<AtomicUsize>);

    impl Embedder for Slow {
        fn encode(&self, texts: &[&str], _batch: usize) -> Result<Vec<Vec<f32>>, EmbedFailure> {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(30));
            Ok(texts.iter().map(|t| vec![t.len() as f32]).collect())
        }
    }

    #[test]
    fn concurrent_callers_share_passes_and_get_their_own_vectors() {
        let passes = Arc::new(AtomicUsize::new(0));
        let b = Arc::new(Batched::new(Box::new(Slow(passes.clone()))));
        let handles: Vec<_> = (0..24)
            .map(|i| {
                let b = b.clone();
                std::thread::spawn(move || {
                    let text = "x".repeat(i + 1);
                    let v = b.encode(&[&text, "ab"], 32).unwrap();
                    assert_eq!(v, vec![vec![(i + 1) as f32], vec![2.0]]);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let n = passes.load(Ordering::SeqCst);
        assert!(n < 24, "{n} passes for 24 concurrent calls");
        // a repeated text is answered from memory
        let before = passes.load(Ordering::SeqCst);
        assert_eq!(b.encode(&["xxx"], 32).unwrap(), vec![vec![3.0]]);
        assert_eq!(passes.load(Ordering::SeqCst), before);
    }
}

//! Many callers' texts embedded in shared forward passes: the server's meaning searches each
//! need one query embedded, and one forward pass over 32 short queries costs little more than
//! over one. A caller queues its texts; whoever finds no pass running leads one over everything
//! queued (its own texts and those that arrived while the last pass ran), hands each caller its
//! vectors, and leads again while more wait ("group commit": no timer, no added latency when
//! idle). Recent queries' vectors are kept, so a repeated query is not embedded again.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use super::{EmbedFailure, Embedder};

/// Texts per forward pass (the embedder splits a larger batch across its instances).
const PASS: usize = 32;

/// Vectors kept for repeated texts; emptied when full.
const KEEP: usize = 8192;

/// An [`Embedder`] that batches concurrent callers and remembers recent texts.
pub struct Batched {
    inner: Box<dyn Embedder>,
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Default)]
struct State {
    /// Texts waiting for a pass, with the ticket of the call that queued each.
    queued: Vec<(u64, String)>,
    /// Finished calls: ticket -> vectors (in the call's order), or the pass's error.
    finished: HashMap<u64, Result<Vec<Vec<f32>>, String>>,
    next_ticket: u64,
    running: bool,
    seen: HashMap<String, Vec<f32>>,
}

impl Batched {
    pub fn new(inner: Box<dyn Embedder>) -> Self {
        Self {
            inner,
            state: Mutex::new(State::default()),
            done: Condvar::new(),
        }
    }

    /// One pass over everything queued; every waiting call's result is filed.
    fn lead(&self, mut st: std::sync::MutexGuard<'_, State>) -> std::sync::MutexGuard<'_, State> {
        let work = std::mem::take(&mut st.queued);
        st.running = true;
        drop(st);
        let texts: Vec<&str> = work.iter().map(|(_, t)| t.as_str()).collect();
        let started = std::time::Instant::now();
        // an even number of equal batches: the embedder's instances (one per core) finish
        // together instead of one waiting on the other's last batch
        let batch = texts
            .len()
            .div_ceil(2 * texts.len().div_ceil(2 * PASS))
            .max(1);
        let result = self.inner.encode(&texts, batch);
        tracing::debug!(
            texts = texts.len(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "shared embedding pass"
        );
        let mut st = match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        st.running = false;
        match result {
            Ok(vectors) => {
                if st.seen.len() + work.len() > KEEP {
                    st.seen.clear();
                }
                for ((ticket, text), v) in work.into_iter().zip(vectors) {
                    st.seen.insert(text, v.clone());
                    if let Ok(list) = st.finished.entry(ticket).or_insert_with(|| Ok(Vec::new())) {
                        list.push(v);
                    }
                }
            }
            Err(e) => {
                for (ticket, _) in work {
                    st.finished.insert(ticket, Err(e.to_string()));
                }
            }
        }
        self.done.notify_all();
        st
    }
}

impl Embedder for Batched {
    fn encode(&self, texts: &[&str], batch: usize) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        // a large request (not a search query) goes straight through
        if texts.len() > PASS {
            return self.inner.encode(texts, batch);
        }
        let mut st = match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if let Some(all) = texts
            .iter()
            .map(|t| st.seen.get(*t).cloned())
            .collect::<Option<Vec<_>>>()
        {
            return Ok(all);
        }
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queued
            .extend(texts.iter().map(|t| (ticket, (*t).to_string())));
        loop {
            if let Some(r) = st.finished.remove(&ticket) {
                return r.map_err(|e| EmbedFailure::new(BatchError(e)));
            }
            if !st.running && !st.queued.is_empty() {
                st = self.lead(st);
                continue;
            }
            st = match self.done.wait(st) {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
        }
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

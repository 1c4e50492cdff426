//! Group commit: many threads' small jobs done in shared passes. A caller queues its items;
//! whoever finds no pass running leads one over everything queued (its own items and those that
//! arrived while the last pass ran), hands each caller its results, and the next waiting caller
//! leads again while more wait. No timer, so no added latency when idle. The server's meaning
//! searches use it twice: to embed concurrent queries in one forward pass
//! ([`super::batched::Batched`]) and to score them against every unit in one read of the vectors
//! ([`super::UnitVectors::scores`]).

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

pub struct GroupCommit<I, O> {
    state: Mutex<State<I, O>>,
}

struct State<I, O> {
    /// Items waiting for a pass, with the ticket of the call that queued each.
    queued: Vec<(u64, I)>,
    /// Finished calls: ticket -> results (in the call's order), or the pass's error.
    finished: HashMap<u64, Result<Vec<O>, String>>,
    /// Each waiting call's own signal: a pass wakes the calls it answered and the one that
    /// leads next, not every waiting thread.
    waiting: HashMap<u64, Arc<Condvar>>,
    next_ticket: u64,
    running: bool,
}

impl<I, O> Default for GroupCommit<I, O> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                queued: Vec::new(),
                finished: HashMap::new(),
                waiting: HashMap::new(),
                next_ticket: 0,
                running: false,
            }),
        }
    }
}

impl<I, O> GroupCommit<I, O> {
    fn lock(&self) -> MutexGuard<'_, State<I, O>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The results of `items`, one per item in order, computed by `pass` together with other
    /// callers' items. `pass` must give one result per item it is given, in order; every caller
    /// must pass the same computation, since a caller's pass may run over others' items.
    pub fn run(
        &self,
        items: Vec<I>,
        pass: impl FnOnce(&[I]) -> Result<Vec<O>, String>,
    ) -> Result<Vec<O>, String> {
        let mut pass = Some(pass);
        let signal = Arc::new(Condvar::new());
        let mut st = self.lock();
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queued.extend(items.into_iter().map(|i| (ticket, i)));
        st.waiting.insert(ticket, signal.clone());
        loop {
            if let Some(r) = st.finished.remove(&ticket) {
                st.waiting.remove(&ticket);
                return r;
            }
            if !st.running && !st.queued.is_empty() {
                if let Some(pass) = pass.take() {
                    // this caller's items are queued, so the pass it leads answers it too
                    st = self.lead(st, pass);
                    continue;
                }
            }
            st = signal.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// One pass over everything queued; every waiting call's result is filed.
    fn lead<'a>(
        &'a self,
        mut st: MutexGuard<'a, State<I, O>>,
        pass: impl FnOnce(&[I]) -> Result<Vec<O>, String>,
    ) -> MutexGuard<'a, State<I, O>> {
        let work = std::mem::take(&mut st.queued);
        st.running = true;
        drop(st);
        let (tickets, items): (Vec<u64>, Vec<I>) = work.into_iter().unzip();
        // a pass that panics fails its callers instead of leaving every later caller waiting
        // on a pass that never ends
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pass(&items)));
        let result = ran
            .unwrap_or_else(|_| Err("a shared pass stopped with an internal error".to_string()))
            .and_then(|out| {
                if out.len() == items.len() {
                    Ok(out)
                } else {
                    Err(format!(
                        "a shared pass gave {} results for {} items",
                        out.len(),
                        items.len()
                    ))
                }
            });
        let mut st = self.lock();
        st.running = false;
        let mut answered = tickets.clone();
        answered.dedup();
        match result {
            Ok(out) => {
                for (ticket, o) in tickets.into_iter().zip(out) {
                    if let Ok(list) = st.finished.entry(ticket).or_insert_with(|| Ok(Vec::new())) {
                        list.push(o);
                    }
                }
            }
            Err(e) => {
                for &ticket in &answered {
                    st.finished.insert(ticket, Err(e.clone()));
                }
            }
        }
        // the calls answered, and the first call still queued, which leads the next pass
        let next = st.queued.first().map(|(t, _)| *t);
        for t in answered.iter().chain(next.iter()) {
            if let Some(signal) = st.waiting.get(t) {
                signal.notify_one();
            }
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn concurrent_callers_share_passes_and_get_their_own_results() {
        let passes = Arc::new(AtomicUsize::new(0));
        let g = Arc::new(GroupCommit::<usize, usize>::default());
        let handles: Vec<_> = (0..24)
            .map(|i| {
                let (g, passes) = (g.clone(), passes.clone());
                std::thread::spawn(move || {
                    let out = g
                        .run(vec![i, 100 + i], |items| {
                            passes.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(30));
                            Ok(items.iter().map(|x| x * 2).collect())
                        })
                        .unwrap();
                    assert_eq!(out, vec![2 * i, 200 + 2 * i]);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let n = passes.load(Ordering::SeqCst);
        assert!(n < 24, "{n} passes for 24 concurrent calls");
    }

    #[test]
    fn a_failed_short_or_panicking_pass_fails_its_callers_only() {
        let g = GroupCommit::<u8, u8>::default();
        assert_eq!(g.run(vec![1], |_| Err("no".into())), Err("no".to_string()));
        let short = g.run(vec![1, 2], |_| Ok(vec![1])).unwrap_err();
        assert!(short.contains("1 results for 2 items"), "{short}");
        // nor does a pass that panics stop the next call
        let panicked = g.run(vec![2], |_| panic!("a bug in the pass"));
        assert!(panicked.unwrap_err().contains("internal error"));
        assert_eq!(g.run(vec![3], |i| Ok(i.to_vec())), Ok(vec![3]));
    }
}

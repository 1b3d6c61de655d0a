//! The workspace's one way to run work on several threads: scoped std threads behind two
//! helpers, used by the CSV reader's default, FP-growth, the shard miner and the forecaster.
//!
//! A thread count means the same everywhere: `0` is "all available cores"
//! ([`available_threads`]), any other number is that many threads. A worker's panic is
//! resumed on the calling thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cores this process may use (1 when the system does not say).
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `threads`, with `0` meaning all available cores.
pub fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        available_threads()
    } else {
        threads
    }
}

/// Runs `work` once on each of `threads` scoped threads (`0`: all cores; on this thread when
/// it comes to 1) and returns what each returned, in thread order. The workers share their
/// input through `work`'s captures, typically an atomic index of the next task.
pub fn on_threads<R: Send>(threads: usize, work: impl Fn() -> R + Sync) -> Vec<R> {
    let threads = resolve_threads(threads);
    if threads == 1 {
        return vec![work()];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(&work)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `f` over every item on up to `threads` threads (`0`: all cores), each thread taking the
/// next item when it is free; the results in the order of `items`.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = resolve_threads(threads).min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    on_threads(threads, || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let result = f(item);
            // A poisoned lock means another worker panicked: its panic is resumed anyway.
            if let Ok(mut slots) = slots.lock() {
                slots[i] = Some(result);
            }
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item is mapped once all workers have joined"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_in_order_keeps_the_order_of_the_items_on_any_thread_count() {
        let items: Vec<u64> = (0..1000).collect();
        let naive: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
        for threads in [0, 1, 2, 7, 5000] {
            assert_eq!(map_in_order(&items, threads, |x| x * x + 1), naive);
        }
        assert!(map_in_order(&[] as &[u64], 3, |x| *x).is_empty());
    }

    #[test]
    fn on_threads_runs_the_work_once_per_thread_and_shares_the_tasks() {
        let next = AtomicUsize::new(0);
        let parts = on_threads(3, || {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= 100 {
                    break mine;
                }
                mine.push(i);
            }
        });
        assert_eq!(parts.len(), 3);
        let mut all: Vec<usize> = parts.into_iter().flatten().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(resolve_threads(0), available_threads());
        assert_eq!(resolve_threads(3), 3);
    }

    #[test]
    fn a_worker_panic_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| map_in_order(&[1, 2, 3], 2, |&x| 10 / (x - 2)));
        assert!(caught.is_err());
    }
}

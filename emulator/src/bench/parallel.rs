//! Runs spread over threads: each thread takes the next item until none
//! is left, and the results come back in the order of the items, so a
//! sweep's figures never depend on how many threads ran it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `run` applied to every item on up to `threads` threads, calling
/// `progress` after each; the results in the order of `items`.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    progress: &(dyn Fn() + Sync),
    run: &(dyn Fn(&T) -> R + Sync),
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { return };
                    let result = run(item);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                    progress();
                }
            });
        }
    });
    // Every index below the length was taken by exactly one thread, and
    // the scope joined them all: no slot is empty.
    results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..100).collect();
        let done = AtomicUsize::new(0);
        let squares = map(&items, 7, &|| _ = done.fetch_add(1, Ordering::Relaxed), &|&n| n * n);
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert_eq!(done.load(Ordering::Relaxed), 100);
        assert!(map(&[] as &[u64], 4, &|| {}, &|&n| n).is_empty());
    }
}

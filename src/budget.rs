//! The run's budget of decode memory: how many bytes of decode buffers all workers may hold at
//! once, so a few 100-megapixel scans take turns instead of sixteen workers each holding one.
//!
//! In: the budget in bytes (the profile's `files.decode_memory_mb`), and before each decode
//! what it will hold (from the image's header). Out: a [`Held`] share, taken when the budget has
//! room and given back when dropped (unwinding from a caught panic included). Invariants: a
//! decode larger than the whole budget waits until it can run alone, never forever; a worker
//! already holding a share (one that took up another file while it waits inside a decoder) is
//! never made to wait, so the budget cannot deadlock the workers.

use std::cell::Cell;
use std::sync::{Condvar, Mutex};

thread_local! {
    /// Shares this thread holds now.
    static HELD: Cell<u32> = const { Cell::new(0) };
}

/// Decode memory shared by a run's workers.
#[derive(Debug)]
pub struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// A share of a [`Budget`], given back when dropped.
#[derive(Debug)]
pub struct Held<'b> {
    budget: &'b Budget,
    bytes: u64,
}

impl Budget {
    /// A budget of `total` bytes (at least one).
    pub fn new(total: u64) -> Budget {
        Budget {
            total: total.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// The budget's size in bytes.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Takes `bytes` (at most the whole budget), waiting until the others give back enough.
    pub fn take(&self, bytes: u64) -> Held<'_> {
        let bytes = bytes.min(self.total);
        let nested = HELD.with(Cell::get) > 0;
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while !nested && *used > 0 && *used + bytes > self.total {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += bytes;
        HELD.with(|h| h.set(h.get() + 1));
        Held {
            budget: self,
            bytes,
        }
    }

    /// Bytes held now, by all workers.
    pub fn used(&self) -> u64 {
        *self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get().saturating_sub(1)));
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(self.bytes);
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn large_decodes_take_turns_within_the_budget() {
        let budget = Budget::new(1000);
        let most = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let _held = budget.take(400);
                        most.fetch_max(budget.used(), Ordering::SeqCst);
                        std::thread::yield_now();
                    }
                });
            }
        });
        // Two 400-byte decodes fit in 1000, never three.
        assert!(most.load(Ordering::SeqCst) <= 800);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_decode_larger_than_the_budget_runs_alone_and_a_nested_one_never_waits() {
        let budget = Budget::new(1000);
        let whole = budget.take(5000);
        assert_eq!(budget.used(), 1000);
        // This thread holds a share: it is not made to wait on itself.
        let nested = budget.take(300);
        assert_eq!(budget.used(), 1300);
        drop((nested, whole));
        assert_eq!(budget.used(), 0);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _held = budget.take(10);
            panic!("a decoder panicked");
        }));
        assert_eq!(budget.used(), 0, "given back while unwinding");
    }
}

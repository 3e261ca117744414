//! The boundary around third-party parsers: a library's panic on one file becomes an error
//! naming it, and the worker goes on with the next file.
//!
//! In: a closure that calls into a decoder, metadata parser or sheet reader for one file.
//! Out: its value, or the panic's message. Invariant: a panic caught here prints nothing (the
//! message goes into the finding instead) once [`quiet_caught_panics`] is installed; any other
//! panic still prints as Rust prints it.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// How deep this thread is inside [`guarded`] calls.
    static INSIDE: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`; a panic inside it comes back as `Err` with the panic's message. What `f` touched
/// is dropped by the unwinding; callers must not rely on state `f` left half-changed (the
/// calls guarded here take bytes and return values).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    INSIDE.with(|d| d.set(d.get() + 1));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|d| d.set(d.get().saturating_sub(1)));
    outcome.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        // One line, bounded: it goes into a finding a person reads.
        let line = message.lines().next().unwrap_or_default();
        line.chars().take(300).collect()
    })
}

/// Installs a panic hook that stays silent for panics [`guarded`] catches (their message is
/// kept in the finding) and prints every other panic as before. Called once by the binary.
pub fn quiet_caught_panics() {
    let earlier = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if INSIDE.with(Cell::get) == 0 {
            earlier(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_a_value_passes_through() {
        assert_eq!(guarded(|| 7), Ok(7));
        let err = guarded(|| -> u8 { panic!("assertion failed: buf.len() >= stride") });
        assert_eq!(
            err,
            Err("assertion failed: buf.len() >= stride".to_string())
        );
        let formatted = guarded(|| -> u8 { panic!("row {} of {}", 3, 4) });
        assert_eq!(formatted, Err("row 3 of 4".to_string()));
        // Nested boundaries unwind to the innermost; the outer one sees a value.
        let nested = guarded(|| guarded(|| -> u8 { panic!("inner") }));
        assert_eq!(nested, Ok(Err("inner".to_string())));
        // The depth is back to zero: a later panic outside a boundary is not hidden.
        assert_eq!(INSIDE.with(Cell::get), 0);
    }

    #[test]
    fn a_long_message_is_cut_to_one_short_line() {
        let err = guarded(|| -> u8 { panic!("{}\nsecond line", "x".repeat(1000)) }).unwrap_err();
        assert_eq!(err.chars().count(), 300);
        assert!(!err.contains('\n'));
    }
}

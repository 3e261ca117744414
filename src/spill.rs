//! Spill: the records of a long run waiting on disk between its stages, so that what a run
//! holds in memory per photo is a few small facts, not the photo's whole record.
//!
//! In: values that serialise (items, reported items), pushed in order. Out: the same values,
//! read back in order or by position, from any thread. The file is anonymous, made in the work
//! folder: nothing of it outlives the run, even a killed one. Memory: 8 bytes per value (its
//! end offset); a value is serialised as JSON, as the report and the catalog store it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A spill being written: values go in at the end.
pub struct SpillWriter<T> {
    out: BufWriter<File>,
    ends: Vec<u64>,
    written: u64,
    kind: PhantomData<fn() -> T>,
}

/// A spill written in full: values come out by position.
pub struct Spill<T> {
    file: File,
    ends: Vec<u64>,
    kind: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> SpillWriter<T> {
    /// Starts an empty spill in `dir` (an anonymous file: gone when closed).
    ///
    /// # Errors
    /// When `dir` cannot hold a new file.
    pub fn create(dir: &Path) -> io::Result<SpillWriter<T>> {
        Ok(SpillWriter {
            out: BufWriter::with_capacity(256 << 10, tempfile::tempfile_in(dir)?),
            ends: Vec::new(),
            written: 0,
            kind: PhantomData,
        })
    }

    /// Appends a value; returns its position.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn push(&mut self, value: &T) -> io::Result<usize> {
        self.push_json(&serde_json::to_vec(value)?)
    }

    /// Appends a value already serialised: `json` must be the JSON text of a `T` (what
    /// [`Spill::get`] parses; text that is not fails there). Returns its position.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn push_json(&mut self, json: &[u8]) -> io::Result<usize> {
        self.out.write_all(json)?;
        self.written += json.len() as u64;
        self.ends.push(self.written);
        Ok(self.ends.len() - 1)
    }

    /// Values pushed so far.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Ends the writing: every value is on disk and can be read.
    ///
    /// # Errors
    /// When the last values cannot be written.
    pub fn finish(self) -> io::Result<Spill<T>> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Spill {
            file,
            ends: self.ends,
            kind: PhantomData,
        })
    }
}

impl<T> std::fmt::Debug for Spill<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spill")
            .field("values", &self.ends.len())
            .finish_non_exhaustive()
    }
}

impl<T: Serialize + DeserializeOwned> Spill<T> {
    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The value at `position` (positional reads: any thread, any order).
    ///
    /// # Errors
    /// When the file cannot be read or the value does not parse (the file was tampered with);
    /// a position past the end is `InvalidInput`.
    pub fn get(&self, position: usize) -> io::Result<T> {
        let end = *self.ends.get(position).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no value {position} of {}", self.ends.len()),
            )
        })?;
        let start = match position {
            0 => 0,
            p => self.ends[p - 1],
        };
        let mut bytes = vec![0; (end - start) as usize];
        self.file.read_exact_at(&mut bytes, start)?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Every value in order.
    pub fn iter(&self) -> impl Iterator<Item = io::Result<T>> + '_ {
        (0..self.len()).map(|p| self.get(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_in_order_and_by_position_from_any_thread() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpillWriter::<(u32, String)>::create(dir.path()).unwrap();
        assert!(writer.is_empty());
        let values: Vec<(u32, String)> = (0..500)
            .map(|i| (i, "图片".repeat(i as usize % 7)))
            .collect();
        for (i, v) in values.iter().enumerate() {
            assert_eq!(writer.push(v).unwrap(), i);
        }
        let spill = writer.finish().unwrap();
        assert_eq!(spill.len(), 500);
        let back: Vec<(u32, String)> = spill.iter().map(Result::unwrap).collect();
        assert_eq!(back, values);
        std::thread::scope(|s| {
            for t in 0..2 {
                let (spill, values) = (&spill, &values);
                s.spawn(move || {
                    for p in (t..500).step_by(7).rev() {
                        assert_eq!(spill.get(p).unwrap(), values[p]);
                    }
                });
            }
        });
        let err = spill.get(500).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // Nothing is left in the folder: the file has no name.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn json_text_pushed_as_it_is_reads_back_as_the_value_and_bad_text_fails_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SpillWriter::<(u32, String)>::create(dir.path()).unwrap();
        writer.push(&(1, "一".into())).unwrap();
        writer.push_json(b"[2, \"\\u4e8c\"]").unwrap();
        writer.push_json(b"{\"not\": \"a pair\"}").unwrap();
        let spill = writer.finish().unwrap();
        assert_eq!(spill.get(0).unwrap(), (1, "一".to_string()));
        assert_eq!(spill.get(1).unwrap(), (2, "二".to_string()));
        assert_eq!(spill.get(2).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}

//! A hosted game's directory: its settings, the journal of every accepted input (flushed to disk
//! before the input is acknowledged) and the autosave written atomically at every turn.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Serialize, de::DeserializeOwned};

pub const META_FILE: &str = "game.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const AUTOSAVE_FILE: &str = "autosave.json";

/// Writes `value` as JSON to `path` so that a crash leaves either the old file or the new one:
/// write a temporary file, sync it, rename it over, sync the directory.
pub fn write_atomic<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads a JSON file, with its name in the error.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))
}

/// The append-only journal: one JSON record per line.
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Records written since the last sync.
    unsynced: usize,
    /// Records in the file.
    pub len: u64,
}

impl Journal {
    /// Opens (or creates) the journal in `dir` and reads the records already there. A last line
    /// without its newline was never acknowledged (the process died while writing it): it is cut
    /// off. Any other unreadable line is an error naming its line.
    pub fn open<T: DeserializeOwned>(dir: &Path) -> Result<(Journal, Vec<T>), String> {
        let path = dir.join(JOURNAL_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut records = Vec::new();
        let mut good_bytes = 0u64;
        let mut reader = BufReader::new(&mut file);
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(|e| format!("{}: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            number += 1;
            if line.last() != Some(&b'\n') {
                break; // torn final write
            }
            let record: T = serde_json::from_slice(&line)
                .map_err(|e| format!("{}:{number}: not a journal record: {e}", path.display()))?;
            records.push(record);
            good_bytes += n as u64;
        }
        drop(reader);
        if file.metadata().map(|m| m.len()).unwrap_or(0) != good_bytes {
            file.set_len(good_bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            file.sync_all().map_err(|e| format!("{}: {e}", path.display()))?;
        }
        file.seek(SeekFrom::End(0)).map_err(|e| format!("{}: {e}", path.display()))?;
        let len = records.len() as u64;
        Ok((Journal { file, path, unsynced: 0, len }, records))
    }

    /// Appends one record (not yet durable: call `sync` before acknowledging it).
    pub fn append<T: Serialize>(&mut self, record: &T) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.unsynced += 1;
        self.len += 1;
        Ok(())
    }

    /// Makes every appended record durable.
    pub fn sync(&mut self) -> io::Result<()> {
        if self.unsynced > 0 {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_cut_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut j, old) = Journal::open::<u32>(dir.path()).unwrap();
            assert!(old.is_empty());
            j.append(&1u32).unwrap();
            j.append(&2u32).unwrap();
            j.sync().unwrap();
        }
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"3").unwrap();
        drop(f);
        let (mut j, records) = Journal::open::<u32>(dir.path()).unwrap();
        assert_eq!(records, vec![1, 2]);
        j.append(&4u32).unwrap();
        j.sync().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "1\n2\n4\n");
    }

    #[test]
    fn a_bad_middle_line_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(JOURNAL_FILE), "1\nx\n3\n").unwrap();
        let err = Journal::open::<u32>(dir.path()).err().unwrap();
        assert!(err.contains(":2:"), "{err}");
    }
}

//! A hosted game's directory: its settings, the journal of every accepted input (flushed to disk
//! before the input is acknowledged), chained by hashes so that no record can be changed, moved
//! or taken out unnoticed, the autosave written atomically at every turn, and the lock that keeps
//! a second server out. Every file is readable by its owner only: it holds the join codes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

pub const META_FILE: &str = "game.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const AUTOSAVE_FILE: &str = "autosave.json";
/// How many records were acknowledged and the chain's head after them (see `host::Seal`).
pub const SEAL_FILE: &str = "seal.json";
pub const LOCK_FILE: &str = "lock";

/// Opens a file for writing, readable and writable by its owner only.
fn private(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates a game directory (and its parents) that only its owner can read.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to `path`, readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = private(OpenOptions::new().write(true).create(true).truncate(true)).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes `value` as JSON to `path` so that a crash leaves either the old file or the new one:
/// write a temporary file, sync it, rename it over, sync the directory.
pub fn write_atomic<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    write_private(&tmp, &bytes)?;
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

/// Takes the directory's lock for as long as the returned file is open; a second server is
/// refused with a message saying so.
pub fn lock_dir(dir: &Path) -> Result<File, String> {
    let path = dir.join(LOCK_FILE);
    let file = private(OpenOptions::new().read(true).write(true).create(true).truncate(false))
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(format!(
            "another truce server is running the game in {} (it holds {}); stop that one first, \
             or copy the directory and resume the copy",
            dir.display(),
            path.display()
        )),
        Err(fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// The hash of a game's start, from which the chain grows: the bytes of its `game.json`.
pub fn genesis(meta_bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(meta_bytes).into()
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn next_head(head: &[u8; 32], line: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(head);
    h.update(line);
    h.finalize().into()
}

/// One line of the journal: a record and the chain's head before it.
#[derive(Serialize, Deserialize)]
struct Link<T> {
    prev: String,
    #[serde(flatten)]
    record: T,
}

/// Reads a journal without changing it (a server may be writing it), checking the chain from
/// `genesis`: the records and the chain's head after them. A torn last line is left out.
pub fn read<T: DeserializeOwned>(dir: &Path, genesis: [u8; 32]) -> Result<(Vec<T>, String), String> {
    let path = dir.join(JOURNAL_FILE);
    let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (records, heads, _) = read_chain(BufReader::new(file), &path, genesis)?;
    Ok((records, hex(&heads[heads.len() - 1])))
}

/// The records of a journal, the chain's head after each, and how many bytes hold whole lines.
type Chain<T> = (Vec<T>, Vec<[u8; 32]>, u64);

fn read_chain<T: DeserializeOwned>(
    mut reader: impl BufRead,
    path: &Path,
    genesis: [u8; 32],
) -> Result<Chain<T>, String> {
    let mut records = Vec::new();
    let mut heads = vec![genesis];
    let mut good_bytes = 0u64;
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
        let link: Link<T> = serde_json::from_slice(&line)
            .map_err(|e| format!("{}:{number}: not a journal record: {e}", path.display()))?;
        let head = heads[heads.len() - 1];
        if link.prev != hex(&head) {
            return Err(format!(
                "{}:{number}: this record does not follow the one before it: a record was changed, moved or \
                 taken out here or before it",
                path.display()
            ));
        }
        heads.push(next_head(&head, &line[..line.len() - 1]));
        records.push(link.record);
        good_bytes += n as u64;
    }
    Ok((records, heads, good_bytes))
}

/// The append-only journal: one JSON record per line, each naming the hash of all before it.
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Records written since the last sync.
    unsynced: usize,
    /// Records in the file.
    pub len: u64,
    /// The chain's head after 0, 1, 2 … records.
    heads: Vec<[u8; 32]>,
}

impl Journal {
    /// Opens (or creates) the journal in `dir` and reads the records already there, checking
    /// the chain from `genesis`. A last line without its newline was never acknowledged (the
    /// process died while writing it): it is cut off. Any other unreadable line, or one that does
    /// not follow the one before it, is an error naming its line.
    pub fn open<T: DeserializeOwned>(dir: &Path, genesis: [u8; 32]) -> Result<(Journal, Vec<T>), String> {
        let path = dir.join(JOURNAL_FILE);
        let mut file = private(OpenOptions::new().read(true).append(true).create(true))
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let reader = BufReader::new(&mut file);
        let (records, heads, good_bytes) = read_chain(reader, &path, genesis)?;
        if file.metadata().map(|m| m.len()).unwrap_or(0) != good_bytes {
            file.set_len(good_bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            file.sync_all().map_err(|e| format!("{}: {e}", path.display()))?;
        }
        file.seek(SeekFrom::End(0)).map_err(|e| format!("{}: {e}", path.display()))?;
        let len = records.len() as u64;
        Ok((Journal { file, path, unsynced: 0, len, heads }, records))
    }

    /// Appends one record (not yet durable: call `sync` before acknowledging it).
    pub fn append<T: Serialize>(&mut self, record: &T) -> io::Result<()> {
        let head = self.heads[self.heads.len() - 1];
        let line = serde_json::to_vec(&Link { prev: hex(&head), record }).map_err(io::Error::other)?;
        self.file.write_all(&[line.as_slice(), b"\n"].concat())?;
        self.heads.push(next_head(&head, &line));
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

    /// The chain's head after every record, as hex.
    pub fn head(&self) -> String {
        hex(&self.heads[self.heads.len() - 1])
    }

    /// The chain's head after the first `records` records, if there are that many.
    pub fn head_at(&self, records: u64) -> Option<String> {
        usize::try_from(records).ok().and_then(|n| self.heads.get(n)).map(hex)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: [u8; 32] = [3; 32];

    #[test]
    fn a_torn_last_line_is_cut_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut j, old) = Journal::open::<R>(dir.path(), G).unwrap();
            assert!(old.is_empty());
            j.append(&R { n: 1 }).unwrap();
            j.append(&R { n: 2 }).unwrap();
            j.sync().unwrap();
        }
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"prev\":").unwrap();
        drop(f);
        let (mut j, records) = Journal::open::<R>(dir.path(), G).unwrap();
        assert_eq!(records, vec![R { n: 1 }, R { n: 2 }]);
        j.append(&R { n: 4 }).unwrap();
        j.sync().unwrap();
        let (_, records) = Journal::open::<R>(dir.path(), G).unwrap();
        assert_eq!(records, vec![R { n: 1 }, R { n: 2 }, R { n: 4 }]);
    }

    #[test]
    fn a_bad_middle_line_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(JOURNAL_FILE), "1\nx\n3\n").unwrap();
        let err = Journal::open::<R>(dir.path(), G).err().unwrap();
        assert!(err.contains(":1:"), "{err}");
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct R {
        n: u32,
    }

    #[test]
    fn edited_moved_or_removed_records_break_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, _) = Journal::open::<R>(dir.path(), G).unwrap();
        for n in 0..4 {
            j.append(&R { n }).unwrap();
        }
        j.sync().unwrap();
        let head = j.head();
        drop(j);
        let path = dir.path().join(JOURNAL_FILE);
        let good = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = good.lines().collect();
        let (j, _) = Journal::open::<R>(dir.path(), G).unwrap();
        assert_eq!((j.head(), j.head_at(4)), (head.clone(), Some(head)));
        assert!(Journal::open::<R>(dir.path(), [4; 32]).is_err(), "another game's start");
        for (what, damaged) in [
            ("edited", good.replace("\"n\":1", "\"n\":7")),
            ("moved", [lines[0], lines[2], lines[1], lines[3], ""].join("\n")),
            ("removed", [lines[0], lines[2], lines[3], ""].join("\n")),
        ] {
            fs::write(&path, damaged).unwrap();
            let err = Journal::open::<R>(dir.path(), G).err().unwrap_or_else(|| panic!("{what} passed"));
            assert!(err.contains(":2:") || err.contains(":3:"), "{what}: {err}");
        }
    }

    #[test]
    fn a_second_lock_is_refused_while_the_first_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_dir(dir.path()).unwrap();
        let err = lock_dir(dir.path()).err().unwrap();
        assert!(err.contains("another truce server"), "{err}");
        drop(first);
        assert!(lock_dir(dir.path()).is_ok());
    }
}

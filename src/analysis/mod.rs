//! The analyst's workbench: Monte Carlo batches and their tables, recorded games replayed,
//! forked and compared, research bundles, reports, adjudicator cases, and the provenance
//! (engine, commit, scenario hash) every file it writes carries.

pub mod batch;
pub mod bundle;
pub mod cases;
pub mod recorded;
pub mod report;
pub mod stats;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What built a result: enough to rebuild the binary that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engine {
    pub name: String,
    pub version: String,
    /// The commit the binary was built from (`unknown` outside a checkout).
    pub commit: String,
}

impl Engine {
    pub fn this() -> Engine {
        Engine {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("TRUCE_COMMIT").to_string(),
        }
    }

    /// `truce 0.1.0 (commit 82ba20b1c2d3)`.
    pub fn words(&self) -> String {
        format!("{} {} (commit {})", self.name, self.version, self.commit)
    }
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Quotes a command-line word for a POSIX shell when it needs it, so that a recorded command
/// can be pasted back.
pub fn shell_word(w: &str) -> String {
    let plain = !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain { w.to_string() } else { format!("'{}'", w.replace('\'', r"'\''")) }
}

//! The browser client's files, embedded in the binary so that `cargo build` alone makes a complete
//! server, and the headers that keep its pages to the game's own origin.

use std::borrow::Cow;

/// Every page may run scripts and styles from the game server only, and talk only to it: no
/// inline script, no other origin (a student's statement could never become a script, and a
/// page needs no network but the game's).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Set to a directory to serve the client's files from it, read at each request, instead of the
/// embedded copy: for working on the client without rebuilding the server.
pub const WEB_DIR_VARIABLE: &str = "TRUCE_WEB_DIR";

macro_rules! web_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/web/", $path)) as &[u8])),*]
    };
}

/// The client's files by path under `assets/web/` (a test checks that every file there is listed).
pub const FILES: &[(&str, &[u8])] = web_files!(
    "app.mjs",
    "chat.mjs",
    "connection.mjs",
    "facilitator.mjs",
    "index.html",
    "map.mjs",
    "menus.mjs",
    "offers.mjs",
    "orders.mjs",
    "panels.mjs",
    "state.mjs",
    "story.mjs",
    "style.css",
    "text.mjs",
    "topbar.mjs",
    "vendor/preact-htm.mjs",
);

/// The bytes and content type of the file at `path` (as requested, without the leading `/`;
/// the empty path is `index.html`), if there is one.
pub fn file(path: &str) -> Option<(Cow<'static, [u8]>, &'static str)> {
    let path = if path.is_empty() { "index.html" } else { path };
    let kind = content_type(path)?;
    if !safe(path) {
        return None;
    }
    if let Some(dir) = std::env::var_os(WEB_DIR_VARIABLE) {
        return std::fs::read(std::path::Path::new(&dir).join(path)).ok().map(|b| (Cow::Owned(b), kind));
    }
    FILES.iter().find(|(p, _)| *p == path).map(|(_, bytes)| (Cow::Borrowed(*bytes), kind))
}

/// Only plain names under the directory: no `..`, no hidden files, no odd characters.
fn safe(path: &str) -> bool {
    path.split('/').all(|part| {
        !part.is_empty()
            && !part.starts_with('.')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    })
}

fn content_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.')?.1;
    Some(match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_under_assets_web_is_embedded() {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else {
                    out.push(path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/web");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "list every file of assets/web in web::FILES");
    }

    #[test]
    fn paths_outside_the_client_are_not_served() {
        for path in ["../Cargo.toml", "vendor/../../x.js", ".hidden.js", "a//b.js", "x.rs", "index.html\0.js"] {
            assert!(file(path).is_none() || !safe(path), "{path}");
        }
        assert!(!safe("../x.js") && !safe(".x.js") && !safe("a/../b.js") && safe("vendor/preact-htm.mjs"));
    }
}

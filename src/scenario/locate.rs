//! Maps value paths (`nations[3].relations.rus`) to line:column in a RON source.
//!
//! Serde forgets where a value came from, so after a file parses, the validator's findings are
//! placed back in the text by walking its tokens once. The walk only runs on text that RON has
//! already accepted (so its nesting is within RON's recursion limit), but it still never indexes
//! out of bounds or recurses past `MAX_DEPTH` on anything.

use std::collections::HashMap;

/// A 1-based line and column (columns count characters, as RON's own errors do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Comma,
    Colon,
    /// Identifiers, numbers, booleans: any run of non-punctuation.
    Word(String),
    /// A string literal's contents (escapes are kept as written; keys are plain ids).
    Str(String),
}

/// Where each value path of a RON document starts.
#[derive(Debug, Default)]
pub struct Locator {
    spots: HashMap<String, Position>,
}

impl Locator {
    pub fn new(src: &str) -> Locator {
        let toks = tokenize(src);
        let mut walker = Walker { toks: &toks, at: 0, spots: HashMap::new() };
        walker.value(String::new(), 0);
        Locator { spots: walker.spots }
    }

    /// The position of `path`, or of its nearest enclosing value that was found.
    pub fn find(&self, path: &str) -> Option<Position> {
        let mut p = path;
        loop {
            if let Some(pos) = self.spots.get(p) {
                return Some(*pos);
            }
            if p.is_empty() {
                return None;
            }
            p = parent_path(p);
        }
    }
}

/// `a.b[3]` → `a.b`; `a.b` → `a`; `a` → ``.
fn parent_path(p: &str) -> &str {
    match p.rfind(['.', '[']) {
        Some(i) => &p[..i],
        None => "",
    }
}

fn tokenize(src: &str) -> Vec<(Tok, Position)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    // Advances over `n` characters, keeping line and column.
    let advance = |i: &mut usize, line: &mut usize, col: &mut usize, n: usize| {
        for _ in 0..n {
            if *i >= chars.len() {
                return;
            }
            if chars[*i] == '\n' {
                *line += 1;
                *col = 1;
            } else {
                *col += 1;
            }
            *i += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let here = Position { line, col };
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            advance(&mut i, &mut line, &mut col, 1);
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                advance(&mut i, &mut line, &mut col, 1);
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    advance(&mut i, &mut line, &mut col, 2);
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    advance(&mut i, &mut line, &mut col, 2);
                    if depth == 0 {
                        break;
                    }
                } else {
                    advance(&mut i, &mut line, &mut col, 1);
                }
            }
        } else if c == '#' {
            // An attribute such as `#![enable(implicit_some)]`: skip to its closing bracket.
            while i < chars.len() && chars[i] != ']' {
                advance(&mut i, &mut line, &mut col, 1);
            }
            advance(&mut i, &mut line, &mut col, 1);
        } else if c == '"' || c == '\'' {
            let quote = c;
            advance(&mut i, &mut line, &mut col, 1);
            let mut text = String::new();
            while i < chars.len() && chars[i] != quote {
                if chars[i] == '\\' {
                    text.push(chars[i]);
                    advance(&mut i, &mut line, &mut col, 1);
                }
                if let Some(&ch) = chars.get(i) {
                    text.push(ch);
                }
                advance(&mut i, &mut line, &mut col, 1);
            }
            advance(&mut i, &mut line, &mut col, 1);
            out.push((Tok::Str(text), here));
        } else if (c == 'r' || c == 'b') && matches!(next, Some('"') | Some('#')) {
            // Raw or byte string: r"..", r#".."#, b"..".
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            let mut end = j + 1;
            'scan: while end < chars.len() {
                if chars[end] == '"' && (0..hashes).all(|h| chars.get(end + 1 + h) == Some(&'#')) {
                    break 'scan;
                }
                end += 1;
            }
            let text: String = chars.get(j + 1..end.min(chars.len())).unwrap_or(&[]).iter().collect();
            let n = end + 1 + hashes - i;
            advance(&mut i, &mut line, &mut col, n);
            out.push((Tok::Str(text), here));
        } else if matches!(c, '(' | '[' | '{') {
            out.push((Tok::Open(c), here));
            advance(&mut i, &mut line, &mut col, 1);
        } else if matches!(c, ')' | ']' | '}') {
            out.push((Tok::Close(c), here));
            advance(&mut i, &mut line, &mut col, 1);
        } else if c == ',' {
            out.push((Tok::Comma, here));
            advance(&mut i, &mut line, &mut col, 1);
        } else if c == ':' {
            out.push((Tok::Colon, here));
            advance(&mut i, &mut line, &mut col, 1);
        } else {
            let mut word = String::new();
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '"')
            {
                word.push(chars[i]);
                advance(&mut i, &mut line, &mut col, 1);
            }
            out.push((Tok::Word(word), here));
        }
    }
    out
}

struct Walker<'t> {
    toks: &'t [(Tok, Position)],
    at: usize,
    spots: HashMap<String, Position>,
}

impl Walker<'_> {
    fn peek(&self, ahead: usize) -> Option<&Tok> {
        self.toks.get(self.at + ahead).map(|(t, _)| t)
    }

    fn pos(&self) -> Option<Position> {
        self.toks.get(self.at).map(|(_, p)| *p)
    }

    fn record(&mut self, path: &str) {
        if let Some(pos) = self.pos() {
            self.spots.entry(path.to_string()).or_insert(pos);
        }
    }

    fn skip_comma(&mut self) {
        if self.peek(0) == Some(&Tok::Comma) {
            self.at += 1;
        }
    }

    fn value(&mut self, path: String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        self.record(&path);
        match self.peek(0).cloned() {
            Some(Tok::Open('[')) => {
                self.at += 1;
                let mut i = 0;
                while let Some(t) = self.peek(0) {
                    if matches!(t, Tok::Close(_)) {
                        self.at += 1;
                        break;
                    }
                    let before = self.at;
                    self.value(format!("{path}[{i}]"), depth + 1);
                    self.skip_comma();
                    if self.at == before {
                        self.at += 1;
                    }
                    i += 1;
                }
            }
            Some(Tok::Open('{')) => {
                self.at += 1;
                while let Some(t) = self.peek(0).cloned() {
                    match t {
                        Tok::Close(_) => {
                            self.at += 1;
                            break;
                        }
                        Tok::Str(k) | Tok::Word(k) => {
                            let child = join(&path, &k);
                            self.record(&child);
                            self.at += 1;
                            if self.peek(0) == Some(&Tok::Colon) {
                                self.at += 1;
                            }
                            self.value(child, depth + 1);
                            self.skip_comma();
                        }
                        _ => self.at += 1,
                    }
                }
            }
            Some(Tok::Open('(')) => self.parens(&path, depth),
            Some(Tok::Word(_)) => {
                self.at += 1;
                if self.peek(0) == Some(&Tok::Open('(')) {
                    self.parens(&path, depth);
                }
            }
            Some(_) => self.at += 1,
            None => {}
        }
    }

    /// `( … )` after a struct or variant name, or alone: named fields, or a tuple.
    fn parens(&mut self, path: &str, depth: usize) {
        self.at += 1;
        let named = matches!(self.peek(0), Some(Tok::Word(_))) && self.peek(1) == Some(&Tok::Colon);
        let elements = if named { 0 } else { self.count_elements() };
        let mut i = 0;
        while let Some(t) = self.peek(0).cloned() {
            if matches!(t, Tok::Close(_)) {
                self.at += 1;
                return;
            }
            let before = self.at;
            if named {
                if let (Tok::Word(name), Some(Tok::Colon)) = (t, self.peek(1)) {
                    let child = join(path, &name);
                    self.record(&child);
                    self.at += 2;
                    self.value(child, depth + 1);
                } else {
                    self.at += 1;
                }
            } else if elements == 1 {
                // A newtype (`Some(x)`, `Nation("chn")`): transparent in paths.
                self.value(path.to_string(), depth + 1);
            } else {
                self.value(format!("{path}[{i}]"), depth + 1);
            }
            self.skip_comma();
            if self.at == before {
                self.at += 1;
            }
            i += 1;
        }
    }

    /// Number of elements of the tuple starting at the cursor (just after its `(`).
    fn count_elements(&self) -> usize {
        let mut depth = 0usize;
        let mut count = 0usize;
        let mut pending = false;
        for (t, _) in &self.toks[self.at.min(self.toks.len())..] {
            match t {
                Tok::Open(_) => {
                    if depth == 0 {
                        pending = true;
                    }
                    depth += 1;
                }
                Tok::Close(_) if depth == 0 => break,
                Tok::Close(_) => depth -= 1,
                Tok::Comma if depth == 0 => {
                    if pending {
                        count += 1;
                    }
                    pending = false;
                }
                _ => {
                    if depth == 0 {
                        pending = true;
                    }
                }
            }
        }
        count + usize::from(pending)
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"// a comment
Scenario(
    id: "x",
    nations: [
        Nation(id: "a", relations: {"b": 5}),
        (id: "b", points: (0, 4), flags: [Belligerent]),
    ],
    rule: QualifiedMajority(yes: 9, vetoes: ["c", "d"]),
    goal: All([MandateFrom("unsc"), Not(CeasefireHolds)]),
    mandate: Some("m"),
)"#;

    #[test]
    fn finds_fields_elements_keys_and_variants() {
        let l = Locator::new(SRC);
        let at = |p: &str| l.find(p).map(|p| (p.line, p.col));
        assert_eq!(at("id"), Some((3, 5)));
        assert_eq!(at("nations[0]"), Some((5, 9)));
        assert_eq!(at("nations[0].relations.b"), Some((5, 37)));
        assert_eq!(at("nations[1].points[1]"), Some((6, 31)));
        assert_eq!(at("rule.vetoes[1]"), Some((8, 51)));
        assert_eq!(at("goal[1]"), Some((9, 37)));
        assert_eq!(at("mandate"), Some((10, 5)));
        // Unknown leaves fall back to the nearest enclosing value.
        assert_eq!(at("nations[1].nothing"), Some((6, 9)));
    }

    #[test]
    fn survives_garbage() {
        for src in ["", "(((", ")))", "\"unterminated", "r#\"x", "{:,}", "#", "/* open"] {
            let _ = Locator::new(src).find("a.b[2]");
        }
    }
}

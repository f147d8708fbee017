//! What may stand in a text shown to people: no control characters, no escape sequences, no
//! reordering marks. Scenario names, players' messages and everything a client draws pass here.

/// Whether a character may not appear in any text: C0 and C1 controls (ESC among them), DEL,
/// and the bidirectional overrides and isolates that reorder what a reader sees.
pub fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` without its control characters (tabs and line ends become spaces) and without the
/// escape sequences they begin: a CSI (`ESC [` … final byte) or an OSC (`ESC ]` … BEL or
/// `ESC \\`) goes whole, not leaving its parameters behind as text.
pub fn clean_text(text: &str) -> String {
    if !text.chars().any(is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' | '\u{9b}' | '\u{9d}' => {
                let kind = if c == '\u{1b}' { chars.next_if(|n| matches!(n, '[' | ']')) } else { Some(c) };
                match kind {
                    Some('[' | '\u{9b}') => while chars.next().is_some_and(|p| !('\u{40}'..='\u{7e}').contains(&p)) {},
                    Some(']' | '\u{9d}') => {
                        while let Some(p) = chars.next() {
                            if p == '\u{7}' || p == '\u{9c}' || (p == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

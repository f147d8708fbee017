//! Broken scenario files always get a clean error naming the file and a line:column, never a panic:
//! the shipped scenarios are truncated, byte-flipped, stripped of brackets, given bad numbers and
//! unknown fields, and hostile inputs are fed in whole.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use truce::scenario;

fn shipped() -> Vec<(String, String)> {
    ["tutorial", "ukraine_2026", "donbas_2019"]
        .iter()
        .map(|name| {
            let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            (format!("{name}.ron"), text)
        })
        .collect()
}

/// Parses `bytes` and checks that the outcome is either success (when allowed) or a well-formed
/// error. Returns whether it was accepted.
fn outcome(what: &str, name: &str, bytes: &[u8], may_pass: bool) -> bool {
    let result = catch_unwind(AssertUnwindSafe(|| scenario::parse(name, bytes)));
    let result = result.unwrap_or_else(|_| panic!("{what}: the parser panicked"));
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    match result {
        Ok(_) => {
            assert!(may_pass, "{what}: a broken file was accepted");
            true
        }
        Err(e) => {
            assert_eq!(e.file, name, "{what}");
            assert!(!e.diagnostics.is_empty(), "{what}: an error with no diagnostics");
            for d in &e.diagnostics {
                assert!(d.line >= 1 && d.line <= lines, "{what}: line {} outside 1..={lines}", d.line);
                assert!(d.col >= 1, "{what}: column 0");
                assert!(!d.message.trim().is_empty(), "{what}: empty message");
            }
            let shown = e.to_string();
            let first = &e.diagnostics[0];
            assert!(shown.contains(&format!("{name}:{}:{}:", first.line, first.col)), "{what}: {shown}");
            false
        }
    }
}

#[test]
fn shipped_scenarios_are_valid_even_with_windows_line_endings_and_a_bom() {
    for (name, text) in shipped() {
        outcome("as shipped", &name, text.as_bytes(), true);
        let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        assert!(outcome("CRLF + BOM", &name, windows.as_bytes(), true));
    }
}

#[test]
fn truncations_fail_cleanly() {
    for (name, text) in shipped() {
        let last_paren = text.rfind(')').unwrap();
        let bytes = text.as_bytes();
        for i in 0..300 {
            let cut = bytes.len() * i / 300;
            outcome(&format!("{name} cut at byte {cut}"), &name, &bytes[..cut], cut > last_paren);
        }
    }
}

#[test]
fn byte_flips_fail_cleanly() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for (name, text) in shipped() {
        for _ in 0..400 {
            let mut bytes = text.clone().into_bytes();
            let at = rng.random_range(0..bytes.len());
            bytes[at] = rng.random_range(0..=255u8);
            outcome(&format!("{name} byte {at} flipped"), &name, &bytes, true);
        }
    }
}

#[test]
fn deleted_brackets_fail_cleanly() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for (name, text) in shipped() {
        let brackets: Vec<usize> = text.match_indices(['(', ')', '[', ']', '{', '}']).map(|(i, _)| i).collect();
        for _ in 0..300 {
            let at = brackets[rng.random_range(0..brackets.len())];
            let mut broken = text.clone();
            broken.remove(at);
            outcome(&format!("{name} bracket at {at} deleted"), &name, broken.as_bytes(), true);
        }
    }
}

#[test]
fn bad_numbers_fail_cleanly() {
    const BAD: [&str; 12] = [
        "1e309",
        "-1e309",
        "NaN",
        "inf",
        "-inf",
        "99999999999999999999",
        "-99999999999999999999",
        "-1",
        "0.0.0",
        "1_",
        "0x",
        "--5",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for (name, text) in shipped() {
        // Numbers that stand as values: after `: ` or `(`.
        let numbers: Vec<(usize, usize)> = text
            .match_indices(": ")
            .filter_map(|(i, _)| {
                let start = i + 2;
                let len = text[start..].find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(0);
                (len > 0).then_some((start, len))
            })
            .collect();
        assert!(numbers.len() > 20, "{name}: too few numbers found");
        let mut failures = 0;
        for _ in 0..200 {
            let (start, len) = numbers[rng.random_range(0..numbers.len())];
            let bad = BAD[rng.random_range(0..BAD.len())];
            let broken = format!("{}{bad}{}", &text[..start], &text[start + len..]);
            if !outcome(&format!("{name}: {bad} at {start}"), &name, broken.as_bytes(), true) {
                failures += 1;
            }
        }
        assert!(failures > 150, "{name}: most bad numbers must be refused ({failures} of 200)");
    }
}

#[test]
fn unknown_fields_fail_cleanly() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for (name, text) in shipped() {
        // Named fields start after `(` followed by an identifier and a colon.
        let field_starts: Vec<usize> = text.match_indices("(id: ").map(|(i, _)| i + 1).collect();
        assert!(!field_starts.is_empty());
        for _ in 0..100 {
            let at = field_starts[rng.random_range(0..field_starts.len())];
            let broken = format!("{}bogus_field: 1, {}", &text[..at], &text[at..]);
            assert!(!outcome(&format!("{name}: unknown field at {at}"), &name, broken.as_bytes(), false));
            let e = scenario::parse(&name, broken.as_bytes()).unwrap_err();
            assert!(e.diagnostics[0].message.contains("unexpected field named `bogus_field`"), "{e}");
        }
    }
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let deep = |open: &str, close: &str| format!("{}{}", open.repeat(200_000), close.repeat(200_000));
    let mut garbage = vec![0u8; 65_536];
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for b in garbage.iter_mut() {
        *b = rng.random_range(0..=255u8);
    }
    let tutorial = &shipped()[0].1;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("whitespace", b"  \n\t\n".to_vec()),
        ("only a comment", b"// nothing here\n".to_vec()),
        ("binary garbage", garbage),
        ("NUL bytes", vec![0u8; 1000]),
        ("invalid UTF-8 mid-file", {
            let mut b = tutorial.as_bytes().to_vec();
            b.splice(500..500, [0xff, 0xfe, 0xc3]);
            b
        }),
        ("200,000 nested lists", deep("[", "]").into_bytes()),
        ("200,000 nested tuples", deep("(", ")").into_bytes()),
        ("200,000 nested maps", deep("{", "}").into_bytes()),
        ("200,000 nested in a field", format!("Scenario(id: {}", deep("[", "]")).into_bytes()),
        (
            "200,000 nested conditions",
            tutorial
                .replacen(
                    "goal: CeasefireHolds",
                    &format!("goal: {}CeasefireHolds{}", "Not(".repeat(200_000), ")".repeat(200_000)),
                    1,
                )
                .into_bytes(),
        ),
        (
            "a number with 100,000 digits",
            tutorial.replacen("seed: 7", &format!("seed: {}", "9".repeat(100_000)), 1).into_bytes(),
        ),
        (
            "an id of 100,000 letters",
            tutorial.replacen("\"north\"", &format!("\"{}\"", "n".repeat(100_000)), 2).into_bytes(),
        ),
        ("an unterminated string", tutorial.replacen("name: \"Ukraine\"", "name: \"Ukraine", 1).into_bytes()),
        ("an unterminated block comment", format!("/* {tutorial}").into_bytes()),
        ("two scenarios in one file", format!("{tutorial}\n{tutorial}").into_bytes()),
        ("a scenario in a list", format!("[{tutorial}]").into_bytes()),
        ("too large", vec![b' '; scenario::MAX_FILE_BYTES + 1]),
    ];
    for (what, bytes) in cases {
        assert!(!outcome(what, "hostile.ron", &bytes, false), "{what} was accepted");
    }
}

#[test]
fn a_file_broken_everywhere_lists_its_first_problems_and_counts_the_rest() {
    // One minified line holding thousands of nations, each with two unknown references.
    let tutorial = &shipped()[0].1;
    let at = tutorial.find("    nations: [").unwrap() + "    nations: [".len();
    let extra: String = (0..3_000)
        .map(|k| {
            format!(
                "Nation(id: \"n{k}\", name: \"N{k}\", pools: (troops: 1, drones: 0, capital_per_turn: 1), \
                 support: (initial: 0.5, withdraw_below: 0.1, casualty_sensitivity: 0.0, cost_sensitivity: 0.0), \
                 relations: {{\"zz{k}\": 5, \"yy{k}\": 7}}, alignment: 0.0),"
            )
        })
        .collect();
    let src = format!("{}{extra}{}", &tutorial[..at], &tutorial[at..]);
    let e = scenario::parse("broken.ron", src.as_bytes()).unwrap_err();
    assert_eq!(e.diagnostics.len(), scenario::MAX_DIAGNOSTICS + 1);
    assert!(e.diagnostics.last().unwrap().message.contains("5800 more problems not shown"));
    // Each keeps only a window of its (very long) line.
    assert!(e.diagnostics.iter().all(|d| d.source_line.chars().count() <= 121));
    assert!(e.to_string().contains("nations[0].relations.yy0: unknown nation \"yy0\""));
}

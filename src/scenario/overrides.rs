//! Changing one value of a scenario by its path (`model.shots_per_km_day`,
//! `nations[fra].doctrine.aggression`, `line.sectors[2].buffer_km`), as `--set` and design files do.
//!
//! A path names fields with dots and list entries in brackets, by position or by `id`; map keys
//! are fields (`line.sectors[pokrovsk].forces.rus`). The scenario is edited as JSON and read back,
//! then validated, so an override can never make a scenario that `truce check` would refuse.

use serde_json::Value;

use crate::scenario::Scenario;
use crate::scenario::validate::validate;

/// A path prefix that sets a seat's bot strategy rather than a scenario value (`policy.ukr=hawk`).
pub const POLICY_PREFIX: &str = "policy.";

/// One step along a path.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    /// `[2]` or `[fra]`: a position, or the entry whose `id` is this.
    Entry(String),
}

fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part.split_once('[').map_or((part, None), |(n, r)| (n, Some(r)));
        if name.is_empty() {
            return Err(format!("`{path}` has an empty field name; write it as `a.b[id].c`"));
        }
        out.push(Step::Field(name.to_string()));
        if let Some(rest) = rest {
            let rest = rest.strip_suffix(']').ok_or_else(|| format!("`{path}`: `[` without its `]`"))?;
            for sel in rest.split("][") {
                if sel.is_empty() || sel.contains(['[', ']']) {
                    return Err(format!("`{path}`: `[{sel}]` names no entry; write `[3]` or `[id]`"));
                }
                out.push(Step::Entry(sel.to_string()));
            }
        }
    }
    Ok(out)
}

/// Finds the value a path names, saying where it went wrong if it names none.
fn slot<'a>(root: &'a mut Value, path: &str) -> Result<&'a mut Value, String> {
    let mut at = root;
    let mut walked = String::new();
    for step in steps(path)? {
        at = match step {
            Step::Field(name) => {
                let Value::Object(map) = at else {
                    return Err(format!("`{path}`: {} holds no fields, so it has no `{name}`", here(&walked)));
                };
                if !map.contains_key(&name) {
                    let mut known: Vec<&str> = map.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    return Err(format!(
                        "`{path}`: {} has no field `{name}` (it has: {})",
                        here(&walked),
                        known.join(", ")
                    ));
                }
                walked = if walked.is_empty() { name.clone() } else { format!("{walked}.{name}") };
                map.get_mut(&name).expect("checked above")
            }
            Step::Entry(sel) => {
                let Value::Array(list) = at else {
                    return Err(format!("`{path}`: {} is not a list, so it has no entry [{sel}]", here(&walked)));
                };
                let by_id = list.iter().position(|v| v.get("id").and_then(Value::as_str) == Some(sel.as_str()));
                let index = match (by_id, sel.parse::<usize>()) {
                    (Some(i), _) => i,
                    (None, Ok(i)) if i < list.len() => i,
                    (None, Ok(i)) => {
                        return Err(format!("`{path}`: {} has {} entries, so no [{i}]", here(&walked), list.len()));
                    }
                    (None, Err(_)) => {
                        let ids: Vec<&str> = list.iter().filter_map(|v| v.get("id").and_then(Value::as_str)).collect();
                        return Err(format!(
                            "`{path}`: {} has no entry with id `{sel}` (ids: {})",
                            here(&walked),
                            if ids.is_empty() { "none".to_string() } else { ids.join(", ") }
                        ));
                    }
                };
                walked = format!("{walked}[{sel}]");
                &mut list[index]
            }
        };
    }
    Ok(at)
}

fn here(walked: &str) -> String {
    if walked.is_empty() { "the scenario".to_string() } else { format!("`{walked}`") }
}

/// Reads `text` as a value of the same kind as `current`.
fn value_like(current: &Value, text: &str, path: &str) -> Result<Value, String> {
    let t = text.trim();
    let wrong = |kind: &str| format!("`{path}={text}`: {path} is {kind}, and `{t}` is not");
    Ok(match current {
        Value::Bool(_) => Value::Bool(t.parse().map_err(|_| wrong("true or false"))?),
        Value::Number(n) if n.is_u64() => t.parse::<u64>().map(Value::from).map_err(|_| wrong("a whole number ≥ 0"))?,
        Value::Number(n) if n.is_i64() => t.parse::<i64>().map(Value::from).map_err(|_| wrong("a whole number"))?,
        Value::Number(_) => {
            let v: f64 = t.parse().map_err(|_| wrong("a number"))?;
            serde_json::Number::from_f64(v).map(Value::Number).ok_or_else(|| wrong("a finite number"))?
        }
        Value::String(_) => Value::String(t.to_string()),
        // Options, lists and records: JSON, or else a bare word (an enum's variant).
        _ => serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_string())),
    })
}

/// The scenario with each `(path, value)` set in turn, validated. Paths under [`POLICY_PREFIX`]
/// are skipped: they choose strategies, not values.
pub fn apply(base: &Scenario, sets: &[(String, String)]) -> Result<Scenario, String> {
    let sets: Vec<&(String, String)> = sets.iter().filter(|(p, _)| !p.starts_with(POLICY_PREFIX)).collect();
    if sets.is_empty() {
        return Ok(base.clone());
    }
    let mut json = serde_json::to_value(base).map_err(|e| format!("the scenario cannot be edited: {e}"))?;
    for (path, text) in &sets {
        let at = slot(&mut json, path)?;
        *at = value_like(at, text, path)?;
    }
    let scenario: Scenario = serde_path_to_error::deserialize(json).map_err(|e| {
        let list: Vec<String> = sets.iter().map(|(p, v)| format!("{p}={v}")).collect();
        format!("{}: {} ({})", e.path(), e.inner(), list.join(", "))
    })?;
    let problems = validate(&scenario);
    if let Some(p) = problems.first() {
        let list: Vec<String> = sets.iter().map(|(p, v)| format!("{p}={v}")).collect();
        return Err(format!("with {} the scenario is not valid: {}: {}", list.join(", "), p.path, p.message));
    }
    Ok(scenario)
}

/// Checks that `path` names a value of `base` (or a seat, for a policy) without changing it.
pub fn check_path(base: &Scenario, path: &str) -> Result<(), String> {
    if let Some(seat) = path.strip_prefix(POLICY_PREFIX) {
        if base.nations.iter().any(|n| n.id == seat) {
            return Ok(());
        }
        let seats: Vec<&str> = base.nations.iter().map(|n| n.id.as_str()).collect();
        return Err(format!("`{path}`: `{seat}` is not a seat of {} (seats: {})", base.id, seats.join(", ")));
    }
    let mut json = serde_json::to_value(base).map_err(|e| e.to_string())?;
    slot(&mut json, path).map(|_| ())
}

/// Every value a path can set, with its current value: what `truce check --paths` prints. Lists
/// of records are addressed by id where their entries have one.
pub fn paths(s: &Scenario) -> Vec<(String, String)> {
    fn walk(v: &Value, at: String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    walk(x, if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out);
                }
            }
            Value::Array(list) if list.iter().any(|x| x.is_object()) => {
                for (i, x) in list.iter().enumerate() {
                    let sel = x.get("id").and_then(Value::as_str).map_or(i.to_string(), str::to_string);
                    walk(x, format!("{at}[{sel}]"), out);
                }
            }
            other => out.push((at, other.to_string())),
        }
    }
    let mut out = Vec::new();
    if let Ok(json) = serde_json::to_value(s) {
        walk(&json, String::new(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        crate::scenario::builtin().expect("built-in scenario")
    }

    #[test]
    fn sets_by_id_and_by_position() {
        let s = base();
        let id = s.nations[1].id.clone();
        let out = apply(&s, &[(format!("nations[{id}].doctrine.aggression"), "0.25".into())]).unwrap();
        assert_eq!(out.nations[1].doctrine.aggression, 0.25);
        let out = apply(&s, &[("nations[1].doctrine.aggression".into(), "0.5".into())]).unwrap();
        assert_eq!(out.nations[1].doctrine.aggression, 0.5);
        assert_eq!(out.nations[0], s.nations[0]);
    }

    #[test]
    fn says_where_a_path_goes_wrong() {
        let s = base();
        let e = apply(&s, &[("nations[xyz].doctrine.aggression".into(), "1".into())]).unwrap_err();
        assert!(e.contains("no entry with id `xyz`") && e.contains("ids: "), "{e}");
        let e = apply(&s, &[("model.no_such_rate".into(), "1".into())]).unwrap_err();
        assert!(e.contains("`model` has no field `no_such_rate`"), "{e}");
        let e = apply(&s, &[("turns".into(), "many".into())]).unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = apply(&s, &[("nations[0].doctrine.aggression".into(), "7".into())]).unwrap_err();
        assert!(e.contains("not valid") && e.contains("aggression"), "{e}");
        assert!(steps("a..b").is_err() && steps("a[").is_err() && steps("a[]").is_err());
    }

    #[test]
    fn every_listed_path_can_be_set_to_its_own_value() {
        let s = base();
        let listed = paths(&s);
        assert!(listed.len() > 100);
        for (path, value) in listed.iter().filter(|(_, v)| v.parse::<f64>().is_ok()) {
            let out = apply(&s, &[(path.clone(), value.clone())]).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(out, s, "{path}");
        }
    }
}

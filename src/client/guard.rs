//! What the client keeps of what a server sends: every string cleaned of control characters and
//! cut to a length, every list that drives a drawing loop cut to a size, and the map checked, so
//! that no server can write to the terminal, fill the memory or make a frame slow.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::protocol::{
    IncidentPage, MapInfo, Omniscient, ServerMessage, TurnStory, View, ViewPatch, Welcome, clean_text, is_control,
};
use crate::record::Briefing;
use crate::rules::orders::Draft;

/// Longest string kept, in characters: far above any text the game writes (orders and
/// announcements are at most 1,000 characters), and short enough to wrap every frame.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Points of the map's line kept: a scenario's line has a few dozen, and this many still draw in
/// a fraction of a frame.
pub const MAX_MAP_POINTS: usize = 4_096;
/// Sectors kept, on the map and in views: a line has a handful.
pub const MAX_SECTORS: usize = 256;
/// Line segments drawn at most over all sectors (sectors normally share the line's points once).
pub const MAX_MAP_SEGMENTS: usize = 2 * MAX_MAP_POINTS;
/// Seats, nations, menu entries and the like kept from one list: a scenario has a few dozen.
pub const MAX_LIST: usize = 256;
/// Notices kept from one view, newest: the server sends far fewer.
pub const MAX_NOTICES: usize = 100;
/// Orders kept from one draft: the server takes no more inputs than this from a seat in a turn.
pub const MAX_DRAFT_ORDERS: usize = crate::protocol::MAX_INPUTS_PER_SEAT_PER_TURN;
/// A story's events or a page's incidents kept, newest: more than a turn of any scenario writes.
pub const MAX_ENTRIES: usize = 2_000;
/// Facilitator log lines and connections kept from one view (newest log lines).
pub const MAX_LOG: usize = 1_024;
/// Largest coordinate kept on the map; a point beyond it (or not finite) is dropped, which keeps
/// the canvas's arithmetic finite.
const MAX_COORDINATE: f64 = 1e6;

/// `message` as the client may keep it, or `None` if it cannot be read back once cleaned.
pub fn guard(message: ServerMessage) -> Option<ServerMessage> {
    // Bounds first: they only shorten, and cleaning then walks less.
    clean_message(bound(message))
}

/// Keeps the first `n` elements.
fn keep_first<T>(v: &mut Vec<T>, n: usize) {
    v.truncate(n);
}

/// Keeps the last `n` elements (lists kept newest last).
pub fn keep_newest<T>(v: &mut Vec<T>, n: usize) {
    if v.len() > n {
        v.drain(..v.len() - n);
    }
}

fn keep_first_keys<K: Ord, V>(m: &mut BTreeMap<K, V>, n: usize) {
    while m.len() > n {
        m.pop_last();
    }
}

/// Cuts every list of `message` that the client draws or searches to its bound.
fn bound(message: ServerMessage) -> ServerMessage {
    match message {
        ServerMessage::Welcome(mut w) => {
            bound_welcome(&mut w);
            ServerMessage::Welcome(w)
        }
        ServerMessage::View(mut v) => {
            bound_view(&mut v);
            ServerMessage::View(v)
        }
        ServerMessage::Patch(mut p) => {
            bound_patch(&mut p);
            ServerMessage::Patch(p)
        }
        ServerMessage::Story(mut s) => {
            bound_story(&mut s);
            ServerMessage::Story(s)
        }
        ServerMessage::Incidents(mut p) => {
            bound_page(&mut p);
            ServerMessage::Incidents(p)
        }
        ServerMessage::Menu(mut m) => {
            keep_first(&mut m.orders, crate::protocol::MAX_MENU_ORDERS);
            ServerMessage::Menu(m)
        }
        ServerMessage::Seats(mut s) => {
            keep_first(&mut s, MAX_LIST);
            ServerMessage::Seats(s)
        }
        other => other,
    }
}

fn bound_welcome(w: &mut Welcome) {
    bound_map(&mut w.map);
    keep_first(&mut w.nations, MAX_LIST);
    let c = &mut w.choices;
    for list in [&mut c.institutions, &mut c.templates, &mut c.injects] {
        keep_first(list, MAX_LIST);
    }
    keep_first(&mut c.costs, MAX_LIST);
    keep_first(&mut w.bodies, MAX_LIST);
    for b in &mut w.bodies {
        keep_first(&mut b.members, MAX_LIST);
    }
    keep_first(&mut w.mandates, MAX_LIST);
    for t in &mut w.mandates {
        keep_first(&mut t.responses, MAX_LIST);
        for (_, r) in &mut t.responses {
            keep_first(r, MAX_LIST);
        }
        keep_first(&mut t.contingents, MAX_LIST);
    }
}

/// Whether a map point can be drawn.
fn drawable(p: &(f64, f64)) -> bool {
    [p.0, p.1].iter().all(|x| x.is_finite() && x.abs() <= MAX_COORDINATE)
}

/// Keeps at most `MAX_MAP_POINTS` drawable points and `MAX_SECTORS` sectors, each sector's range
/// moved onto the points kept and clamped to them, and no more than `MAX_MAP_SEGMENTS` in all.
pub fn bound_map(map: &mut MapInfo) {
    keep_first(&mut map.points, MAX_MAP_POINTS);
    keep_first(&mut map.sectors, MAX_SECTORS);
    if !map.length_km.is_finite() {
        map.length_km = 0.0;
    }
    for s in &mut map.sectors {
        if !s.length_km.is_finite() {
            s.length_km = 0.0;
        }
    }
    // kept_before[i]: drawable points before old index i (so the new index of a kept point i).
    let mut kept_before = Vec::with_capacity(map.points.len() + 1);
    let mut kept = 0u32;
    for p in &map.points {
        kept_before.push(kept);
        kept += u32::from(drawable(p));
    }
    kept_before.push(kept);
    map.points.retain(drawable);
    if map.points.is_empty() {
        map.sectors.iter_mut().for_each(|s| s.points = (0, 0));
        return;
    }
    let last = map.points.len() as u32 - 1;
    let old_last = kept_before.len() as u32 - 2;
    let mut budget = MAX_MAP_SEGMENTS as u32;
    for s in &mut map.sectors {
        let (a, b) = (s.points.0.min(s.points.1).min(old_last), s.points.0.max(s.points.1).min(old_last));
        // The first kept point at or after a, and the last kept point at or before b.
        let from = kept_before[a as usize].min(last);
        let to = kept_before[b as usize + 1].saturating_sub(1).max(from).min(last);
        let span = (to - from).min(budget);
        budget -= span;
        s.points = (from, from + span);
    }
}

fn bound_view(v: &mut View) {
    keep_first(&mut v.seats, MAX_LIST);
    keep_first(&mut v.sectors, MAX_SECTORS);
    keep_newest(&mut v.notices, MAX_NOTICES);
    v.options.iter_mut().for_each(bound_options);
    v.debrief.iter_mut().for_each(bound_debrief);
    v.goals.iter_mut().for_each(bound_goals);
    bound_briefing(&mut v.briefing);
    v.draft.iter_mut().for_each(bound_draft);
    v.omniscient.iter_mut().for_each(bound_omniscient);
    v.story.iter_mut().for_each(bound_story);
    keep_newest(&mut v.press, crate::negotiation::press::PRESS_IN_VIEW);
    v.talk.iter_mut().for_each(bound_talk);
}

fn bound_talk(t: &mut crate::negotiation::TalkView) {
    keep_first(&mut t.channels, MAX_LIST);
    for c in &mut t.channels {
        keep_first(&mut c.members, MAX_LIST);
    }
    keep_newest(&mut t.deals, MAX_LIST);
}

/// A patch's fields, bounded as the view's.
fn bound_patch(p: &mut ViewPatch) {
    p.seats.iter_mut().for_each(|s| keep_first(s, MAX_LIST));
    p.sectors.iter_mut().for_each(|s| keep_first(s, MAX_SECTORS));
    p.notices.iter_mut().for_each(|n| keep_newest(n, MAX_NOTICES));
    p.options.iter_mut().flatten().for_each(bound_options);
    p.debrief.iter_mut().flatten().for_each(bound_debrief);
    p.goals.iter_mut().flatten().for_each(bound_goals);
    p.briefing.iter_mut().for_each(bound_briefing);
    p.draft.iter_mut().flatten().for_each(bound_draft);
    p.omniscient.iter_mut().flatten().for_each(bound_omniscient);
    p.story.iter_mut().flatten().for_each(bound_story);
    p.talk.iter_mut().flatten().for_each(bound_talk);
}

fn bound_options(o: &mut crate::protocol::SeatOptions) {
    keep_first(&mut o.kinds, MAX_LIST);
    keep_first(&mut o.proposals, MAX_LIST);
    for p in &mut o.proposals {
        keep_first(&mut p.sectors, MAX_SECTORS);
    }
    keep_first(&mut o.advice, MAX_LIST);
}

fn bound_debrief(d: &mut crate::protocol::Debrief) {
    keep_first(&mut d.ranking, MAX_LIST);
    for r in &mut d.ranking {
        keep_first(&mut r.objectives, MAX_LIST);
    }
    keep_first(&mut d.escalation, MAX_ENTRIES);
}

fn bound_goals(g: &mut crate::protocol::SeatGoals) {
    keep_first(&mut g.objectives, MAX_LIST);
    keep_first(&mut g.offers, MAX_LIST);
    for o in &mut g.offers {
        keep_first(&mut o.components, MAX_LIST);
    }
    keep_first(&mut g.postures, MAX_SECTORS);
}

fn bound_story(s: &mut TurnStory) {
    keep_first(&mut s.causes, MAX_LIST);
    keep_first(&mut s.sectors, MAX_SECTORS);
    keep_newest(&mut s.events, MAX_ENTRIES);
    keep_first(&mut s.worst, MAX_LIST);
    for x in [&mut s.escalation_before, &mut s.escalation_after] {
        if !x.is_finite() {
            *x = 0.0;
        }
    }
}

fn bound_page(p: &mut IncidentPage) {
    keep_first(&mut p.entries, MAX_ENTRIES);
}

fn bound_briefing(b: &mut Briefing) {
    keep_first(&mut b.recorded, MAX_SECTORS);
    keep_first(&mut b.mandates, MAX_LIST);
    keep_first(&mut b.nations, MAX_LIST);
    for n in &mut b.nations {
        keep_first(&mut n.public_objectives, MAX_LIST);
    }
    if let Some(own) = b.own.as_mut() {
        keep_first(&mut own.objectives, MAX_LIST);
        keep_first(&mut own.contingents, MAX_LIST);
        keep_first(&mut own.offers, MAX_LIST);
    }
}

fn bound_draft(d: &mut Draft) {
    keep_first(&mut d.orders, MAX_DRAFT_ORDERS);
    keep_first_keys(&mut d.subjects, MAX_DRAFT_ORDERS);
}

fn bound_omniscient(o: &mut Omniscient) {
    keep_first_keys(&mut o.drafts, MAX_LIST);
    o.drafts.values_mut().for_each(bound_draft);
    keep_first(&mut o.seats, MAX_LIST);
    o.seats.iter_mut().for_each(bound_briefing);
    keep_first(&mut o.connections, MAX_LOG);
    keep_newest(&mut o.log, MAX_LOG);
}

/// Whether `text` holds a control character or is longer than `MAX_TEXT_CHARS`.
fn needs_cleaning(text: &str) -> bool {
    text.chars().any(is_control) || (text.len() > MAX_TEXT_CHARS && text.chars().count() > MAX_TEXT_CHARS)
}

/// `text` without control characters and cut to `MAX_TEXT_CHARS`.
pub fn clean_string(text: &str) -> String {
    let mut out = clean_text(text);
    if let Some((at, _)) = out.char_indices().nth(MAX_TEXT_CHARS) {
        out.truncate(at);
    }
    out
}

/// Cleans every string of `message`, found generically so that new fields are covered too. A
/// message is rebuilt only when one of its strings needed it.
fn clean_message(message: ServerMessage) -> Option<ServerMessage> {
    let mut json = serde_json::to_value(&message).ok()?;
    if !clean_json(&mut json) {
        return Some(message);
    }
    serde_json::from_value(json).ok()
}

/// Cleans every string and key under `v` in place; whether any changed.
fn clean_json(v: &mut Json) -> bool {
    match v {
        Json::String(s) if needs_cleaning(s) => {
            *s = clean_string(s);
            true
        }
        Json::Array(a) => a.iter_mut().fold(false, |changed, x| clean_json(x) | changed),
        Json::Object(o) if o.keys().any(|k| needs_cleaning(k)) => {
            let old = std::mem::take(o);
            for (k, mut x) in old {
                clean_json(&mut x);
                o.insert(clean_string(&k), x);
            }
            true
        }
        Json::Object(o) => o.values_mut().fold(false, |changed, x| clean_json(x) | changed),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SectorInfo;

    fn sector(a: u32, b: u32) -> SectorInfo {
        SectorInfo { id: format!("s{a}"), name: "S".into(), points: (a, b), length_km: 1.0 }
    }

    #[test]
    fn sector_ranges_follow_the_points_kept_and_stay_inside_them() {
        let mut map = MapInfo {
            line_name: "L".into(),
            length_km: f64::NAN,
            points: vec![(0.0, 0.0), (f64::NAN, 1.0), (1.0, 1.0), (2.0, f64::INFINITY), (3.0, 3.0)],
            sectors: vec![sector(0, 2), sector(2, 4), sector(4, 9_999), sector(7, 3), sector(u32::MAX, u32::MAX)],
        };
        bound_map(&mut map);
        assert_eq!(map.points, vec![(0.0, 0.0), (1.0, 1.0), (3.0, 3.0)]);
        assert_eq!(map.length_km, 0.0);
        let ranges: Vec<_> = map.sectors.iter().map(|s| s.points).collect();
        assert_eq!(ranges, vec![(0, 1), (1, 2), (2, 2), (2, 2), (2, 2)]);
    }

    #[test]
    fn a_map_without_points_keeps_empty_sectors() {
        let mut map = MapInfo { line_name: "L".into(), length_km: 1.0, points: vec![], sectors: vec![sector(3, 5)] };
        bound_map(&mut map);
        assert_eq!(map.sectors[0].points, (0, 0));
    }

    #[test]
    fn strings_and_keys_are_cleaned_and_cut_and_clean_messages_pass_as_they_are() {
        let dirty = ServerMessage::Refused { what: "a\u{1b}[2Jb".into(), reason: "x".repeat(MAX_TEXT_CHARS + 10) };
        let Some(ServerMessage::Refused { what, reason }) = guard(dirty) else { panic!() };
        assert_eq!(what, "ab", "the escape sequence goes whole");
        assert_eq!(reason.chars().count(), MAX_TEXT_CHARS);
        let clean = ServerMessage::Notice("fine".into());
        assert_eq!(guard(clean.clone()), Some(clean));
        let mut key = Json::Object([("k\u{7}".to_string(), Json::String("v\u{202e}".into()))].into_iter().collect());
        assert!(clean_json(&mut key));
        assert_eq!(key, serde_json::json!({"k": "v"}));
    }
}

//! Semantic checks of a parsed scenario: references, uniqueness, ranges and consistency.
//!
//! Every check runs and every problem is collected, so an author fixes a file in one pass. Each
//! problem carries the path of the offending value; `load` turns paths into line:column.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::*;

/// One semantic problem: where (a value path) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// The kinds of object an id can name; ids are unique across all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Nation,
    Institution,
    ScriptedMember,
    Template,
    Mandate,
    Sector,
    DefenceLine,
    Contingent,
    Pledge,
    Guarantee,
    Asset,
    Inject,
    Objective,
}

impl Kind {
    /// The noun with its indefinite article.
    fn a(self) -> String {
        let noun = self.noun();
        let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {noun}")
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Nation => "nation",
            Kind::Institution => "institution",
            Kind::ScriptedMember => "scripted institution member",
            Kind::Template => "mandate template",
            Kind::Mandate => "mandate",
            Kind::Sector => "sector",
            Kind::DefenceLine => "line of defence",
            Kind::Contingent => "contingent",
            Kind::Pledge => "pledge",
            Kind::Guarantee => "guarantee",
            Kind::Asset => "monitoring asset",
            Kind::Inject => "inject",
            Kind::Objective => "objective",
        }
    }
}

/// Upper bound for any count of people or things: large enough for any real army, small enough
/// that sums over a whole scenario cannot overflow.
pub const MAX_COUNT: i64 = 10_000_000;
/// Relations run from −100 to +100.
pub const MAX_RELATION: i64 = 100;
/// Longest an inject may wait for the facilitator's approval (an hour: a long class break).
pub const MAX_APPROVAL_SECONDS: u32 = 3600;
/// Longest game, in turns.
pub const MAX_TURNS: u32 = 1_000;
/// Tolerance when comparing the sectors' total length with the line's.
const LENGTH_TOLERANCE_KM: f64 = 1.0;

/// Checks `s` and returns every problem found (empty when the scenario is valid).
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut c = Checker {
        s,
        ids: HashMap::new(),
        known: HashMap::new(),
        depths: HashMap::new(),
        pledged: HashMap::new(),
        problems: Vec::new(),
    };
    for d in &s.defence_lines {
        *c.depths.entry(d.depth).or_default() += 1;
    }
    for p in &s.pledges {
        *c.pledged.entry(p.contingent.as_str()).or_default() += 1;
    }
    c.collect_ids();
    for (id, (kind, _)) in &c.ids {
        c.known.entry(*kind).or_default().push(id);
    }
    for list in c.known.values_mut() {
        list.sort_unstable();
    }
    c.top();
    for (i, n) in s.nations.iter().enumerate() {
        c.nation(&format!("nations[{i}]"), n);
    }
    for (i, inst) in s.institutions.iter().enumerate() {
        c.institution(&format!("institutions[{i}]"), inst);
    }
    for (i, t) in s.mandate_templates.iter().enumerate() {
        c.template(&format!("mandate_templates[{i}]"), t);
    }
    for (i, m) in s.mandates.iter().enumerate() {
        c.mandate(&format!("mandates[{i}]"), m);
    }
    c.line();
    for (i, d) in s.defence_lines.iter().enumerate() {
        c.defence_line(&format!("defence_lines[{i}]"), d);
    }
    for (i, k) in s.contingents.iter().enumerate() {
        c.contingent(&format!("contingents[{i}]"), k);
    }
    c.troop_totals();
    for (i, p) in s.pledges.iter().enumerate() {
        c.pledge(&format!("pledges[{i}]"), p);
    }
    for (i, g) in s.guarantees.iter().enumerate() {
        c.guarantee(&format!("guarantees[{i}]"), g);
    }
    for (i, a) in s.assets.iter().enumerate() {
        c.asset(&format!("assets[{i}]"), a);
    }
    for (i, inj) in s.injects.iter().enumerate() {
        c.inject(&format!("injects[{i}]"), inj);
    }
    c.model(&s.model);
    c.text_only(s);
    c.problems
}

struct Checker<'a> {
    s: &'a Scenario,
    /// Every id, with its kind and the path where it was declared first.
    ids: HashMap<&'a str, (Kind, String)>,
    /// Ids of each kind, sorted, for suggestions (built once: a hostile file may hold many).
    known: HashMap<Kind, Vec<&'a str>>,
    /// How many lines of defence have each depth, and how many pledges name each contingent.
    depths: HashMap<u32, usize>,
    pledged: HashMap<&'a str, usize>,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    /// Every string of the scenario is shown to players: none may hold a control character
    /// (an escape sequence in a name would take over their terminals).
    fn text_only(&mut self, s: &Scenario) {
        /// One step of a value's path: a field or a position in a list.
        enum Step<'a> {
            Field(&'a str),
            Index(usize),
        }
        fn path(steps: &[Step]) -> String {
            let mut out = String::new();
            for step in steps {
                match step {
                    Step::Field(k) if out.is_empty() => out.push_str(k),
                    Step::Field(k) => {
                        out.push('.');
                        out.push_str(k);
                    }
                    Step::Index(i) => out.push_str(&format!("[{i}]")),
                }
            }
            out
        }
        // The path is put into words only where a control character stands.
        fn walk<'a>(v: &'a serde_json::Value, steps: &mut Vec<Step<'a>>, found: &mut Vec<(String, char)>) {
            match v {
                serde_json::Value::String(text) => {
                    if let Some(c) = text.chars().find(|c| crate::text::is_control(*c)) {
                        found.push((path(steps), c));
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        steps.push(Step::Index(i));
                        walk(item, steps, found);
                        steps.pop();
                    }
                }
                serde_json::Value::Object(fields) => {
                    for (k, item) in fields {
                        steps.push(Step::Field(k));
                        walk(item, steps, found);
                        steps.pop();
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        let value = serde_json::to_value(s).unwrap_or_default();
        walk(&value, &mut Vec::new(), &mut found);
        for (path, c) in found {
            self.problem(&path, format!("text may not hold control characters; found U+{:04X}", c as u32));
        }
    }

    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem { path: path.to_string(), message: message.into() });
    }

    fn declare(&mut self, path: String, id: &'a str, kind: Kind) {
        let id_path = format!("{path}.id");
        if !valid_id(id) {
            let shown = shorten(id);
            self.problem(
                &id_path,
                format!("id {shown:?} must be 1 to 32 characters of a-z, 0-9 and _ (for example \"ukr\" or \"un_sc\")"),
            );
        }
        if let Some((other, first)) = self.ids.get(id) {
            let message = format!("duplicate id {id:?}: already used by the {} at {first}", other.noun());
            self.problem(&id_path, message);
        } else {
            self.ids.insert(id, (kind, path));
        }
    }

    fn collect_ids(&mut self) {
        let s = self.s;
        for (i, n) in s.nations.iter().enumerate() {
            self.declare(format!("nations[{i}]"), &n.id, Kind::Nation);
            for (j, o) in n.objectives.iter().enumerate() {
                self.declare(format!("nations[{i}].objectives[{j}]"), &o.id, Kind::Objective);
            }
        }
        for (i, inst) in s.institutions.iter().enumerate() {
            self.declare(format!("institutions[{i}]"), &inst.id, Kind::Institution);
            for (j, m) in inst.members.iter().enumerate() {
                if let Member::Scripted { id, .. } = m {
                    // The same scripted state may sit in several bodies; declare it once.
                    if !matches!(self.ids.get(id.as_str()), Some((Kind::ScriptedMember, _))) {
                        self.declare(format!("institutions[{i}].members[{j}]"), id, Kind::ScriptedMember);
                    }
                }
            }
        }
        let groups: [(&str, Vec<&'a str>, Kind); 9] = [
            ("mandate_templates", s.mandate_templates.iter().map(|x| x.id.as_str()).collect(), Kind::Template),
            ("mandates", s.mandates.iter().map(|x| x.id.as_str()).collect(), Kind::Mandate),
            ("line.sectors", s.line.sectors.iter().map(|x| x.id.as_str()).collect(), Kind::Sector),
            ("defence_lines", s.defence_lines.iter().map(|x| x.id.as_str()).collect(), Kind::DefenceLine),
            ("contingents", s.contingents.iter().map(|x| x.id.as_str()).collect(), Kind::Contingent),
            ("pledges", s.pledges.iter().map(|x| x.id.as_str()).collect(), Kind::Pledge),
            ("guarantees", s.guarantees.iter().map(|x| x.id.as_str()).collect(), Kind::Guarantee),
            ("assets", s.assets.iter().map(|x| x.id.as_str()).collect(), Kind::Asset),
            ("injects", s.injects.iter().map(|x| x.id.as_str()).collect(), Kind::Inject),
        ];
        for (list, ids, kind) in groups {
            for (i, id) in ids.into_iter().enumerate() {
                self.declare(format!("{list}[{i}]"), id, kind);
            }
        }
    }

    /// Checks that `id` names an object of `kind`; says what it names instead, or suggests a near id.
    fn reference(&mut self, path: &str, id: &str, kind: Kind) -> bool {
        match self.ids.get(id) {
            Some((k, _)) if *k == kind => true,
            Some((k, _)) => {
                let message = format!("{id:?} is {}, but {} is expected here", k.a(), kind.a());
                self.problem(path, message);
                false
            }
            None => {
                let known = self.known.get(&kind).map_or(&[][..], |v| v.as_slice());
                let id = &shorten(id);
                // Suggestions cost an edit distance per known id: offered only for short lists.
                let near = if known.len() <= 500 { closest(id, known) } else { None };
                let hint = match near {
                    Some(near) => format!("; did you mean {near:?}?"),
                    None if known.is_empty() => {
                        format!("; the scenario declares no {}", kind.noun())
                    }
                    None if known.len() <= 12 => format!("; known: {}", known.join(", ")),
                    None => String::new(),
                };
                self.problem(path, format!("unknown {} {id:?}{hint}", kind.noun()));
                false
            }
        }
    }

    fn references(&mut self, path: &str, ids: &[Id], kind: Kind) {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.iter().enumerate() {
            let p = format!("{path}[{i}]");
            self.reference(&p, id, kind);
            if !seen.insert(id) {
                self.problem(&p, format!("{id:?} is listed twice"));
            }
        }
    }

    /// The object of `kind` declared with `id`, found through the id index.
    fn declared<T>(&self, id: &str, kind: Kind, list: &'a [T]) -> Option<&'a T> {
        let (k, path) = self.ids.get(id)?;
        if *k != kind {
            return None;
        }
        let index = path.rsplit('[').next()?.trim_end_matches(']').parse::<usize>().ok()?;
        list.get(index)
    }

    fn nation_of(&self, id: &str) -> Option<&'a Nation> {
        self.declared(id, Kind::Nation, &self.s.nations)
    }

    fn range(&mut self, path: &str, v: f64, lo: f64, hi: f64) {
        if !v.is_finite() {
            self.problem(path, format!("{v} is not a finite number; expected {lo} to {hi}"));
        } else if v < lo || v > hi {
            self.problem(path, format!("{v} is out of range; expected {lo} to {hi}"));
        }
    }

    fn fraction(&mut self, path: &str, v: f64) {
        self.range(path, v, 0.0, 1.0);
    }

    fn count(&mut self, path: &str, v: i64, what: &str) {
        if v < 0 {
            self.problem(path, format!("{what} cannot be negative (found {v})"));
        } else if v > MAX_COUNT {
            self.problem(path, format!("{what} of {v} is more than the largest allowed, {MAX_COUNT}"));
        }
    }

    fn text(&mut self, path: &str, v: &str, what: &str) {
        if v.trim().is_empty() {
            self.problem(path, format!("{what} must not be empty"));
        }
    }

    fn top(&mut self) {
        let s = self.s;
        if !valid_id(&s.id) {
            self.problem("id", format!("scenario id {:?} must be 1 to 32 characters of a-z, 0-9 and _", s.id));
        }
        self.text("name", &s.name, "the scenario's name");
        if !valid_date(&s.start_date) {
            self.problem("start_date", format!("{:?} is not a date of the form YYYY-MM-DD", s.start_date));
        }
        if s.turn_days == 0 || s.turn_days > 365 {
            self.problem("turn_days", format!("a turn must cover 1 to 365 days (found {})", s.turn_days));
        }
        if s.turns == 0 || s.turns > MAX_TURNS {
            self.problem("turns", format!("a game must last 1 to {MAX_TURNS} turns (found {})", s.turns));
        }
        if self.reference("sides.positive", &s.sides.positive, Kind::Nation)
            & self.reference("sides.negative", &s.sides.negative, Kind::Nation)
            && s.sides.positive == s.sides.negative
        {
            self.problem("sides.negative", "the two sides must be different nations");
        }
        if s.nations.len() < 2 {
            self.problem("nations", "a scenario needs at least two nations");
        }
        if s.mandate_templates.is_empty() {
            self.problem("mandate_templates", "a scenario needs at least one mandate template");
        }
    }

    fn nation(&mut self, p: &str, n: &'a Nation) {
        self.text(&format!("{p}.name"), &n.name, "a nation's name");
        let mut seen = BTreeSet::new();
        for (i, f) in n.flags.iter().enumerate() {
            if !seen.insert(f) {
                self.problem(&format!("{p}.flags[{i}]"), format!("flag {f:?} is listed twice"));
            }
        }
        self.count(&format!("{p}.pools.troops"), n.pools.troops, "troops");
        self.count(&format!("{p}.pools.drones"), n.pools.drones, "drones");
        self.count(&format!("{p}.pools.capital_per_turn"), n.pools.capital_per_turn, "political capital per turn");
        self.count(&format!("{p}.pools.capital"), n.pools.capital, "political capital");
        let sp = format!("{p}.support");
        self.fraction(&format!("{sp}.initial"), n.support.initial);
        self.fraction(&format!("{sp}.withdraw_below"), n.support.withdraw_below);
        self.fraction(&format!("{sp}.casualty_sensitivity"), n.support.casualty_sensitivity);
        self.fraction(&format!("{sp}.cost_sensitivity"), n.support.cost_sensitivity);
        if n.support.initial < n.support.withdraw_below {
            self.problem(
                &format!("{sp}.initial"),
                format!(
                    "initial support {} is already below the withdrawal threshold {}",
                    n.support.initial, n.support.withdraw_below
                ),
            );
        }
        self.refusals(p, n);
        for (other, v) in &n.relations {
            let rp = format!("{p}.relations.{other}");
            if other == &n.id {
                self.problem(&rp, "a nation has no relation with itself");
            } else {
                self.reference(&rp, other, Kind::Nation);
            }
            if v.abs() > MAX_RELATION {
                self.problem(&rp, format!("relation {v} is out of range; expected -100 to 100"));
            }
        }
        self.range(&format!("{p}.alignment"), n.alignment, -1.0, 1.0);
        for (i, o) in n.objectives.iter().enumerate() {
            let op = format!("{p}.objectives[{i}]");
            self.text(&format!("{op}.text"), &o.text, "an objective's text");
            if !(0..=100).contains(&o.weight) {
                self.problem(
                    &format!("{op}.weight"),
                    format!("weight {} is out of range; expected 0 to 100", o.weight),
                );
            }
            self.condition(&format!("{op}.goal"), &o.goal);
        }
        let d = &n.doctrine;
        let dp = format!("{p}.doctrine");
        self.fraction(&format!("{dp}.aggression"), d.aggression);
        self.fraction(&format!("{dp}.retaliation"), d.retaliation);
        self.fraction(&format!("{dp}.recommit"), d.recommit);
        self.fraction(&format!("{dp}.keeps_deals"), d.keeps_deals);
        self.fraction(&format!("{dp}.max_deployment_share"), d.max_deployment_share);
        self.leaning(&format!("{dp}.votes"), &d.votes);
        for (i, pr) in d.lobby.iter().enumerate() {
            self.reference(&format!("{dp}.lobby[{i}].template"), &pr.template, Kind::Template);
            self.reference(&format!("{dp}.lobby[{i}].institution"), &pr.institution, Kind::Institution);
        }
        for (i, pr) in d.proposals.iter().enumerate() {
            self.reference(&format!("{dp}.proposals[{i}].template"), &pr.template, Kind::Template);
            self.reference(&format!("{dp}.proposals[{i}].institution"), &pr.institution, Kind::Institution);
        }
        if let Some(risk) = &n.loyalty_risk {
            let lp = format!("{p}.loyalty_risk");
            if risk.leans_to == n.id {
                self.problem(&format!("{lp}.leans_to"), "a nation cannot lean away from itself towards itself");
            } else {
                self.reference(&format!("{lp}.leans_to"), &risk.leans_to, Kind::Nation);
            }
            self.fraction(&format!("{lp}.intelligence_leak"), risk.intelligence_leak);
            self.fraction(&format!("{lp}.crisis_defection"), risk.crisis_defection);
        }
        let belligerent = n.flags.contains(&NationFlag::Belligerent);
        if !belligerent && (d.aggression > 0.0 || d.probe_weak_sectors) {
            self.problem(
                &format!("{dp}.aggression"),
                "only a nation flagged Belligerent can have aggression or probe sectors",
            );
        }
    }

    fn leaning(&mut self, p: &str, l: &Leaning) {
        self.fraction(&format!("{p}.observe"), l.observe);
        self.fraction(&format!("{p}.interpose"), l.interpose);
        self.fraction(&format!("{p}.enforce"), l.enforce);
    }

    fn institution(&mut self, p: &str, inst: &'a Institution) {
        self.text(&format!("{p}.name"), &inst.name, "an institution's name");
        self.fraction(&format!("{p}.legitimacy"), inst.legitimacy);
        if inst.members.is_empty() {
            self.problem(&format!("{p}.members"), "an institution needs at least one member");
        }
        let mut seen = BTreeSet::new();
        for (i, m) in inst.members.iter().enumerate() {
            let mp = format!("{p}.members[{i}]");
            match m {
                Member::Nation(id) => {
                    self.reference(&mp, id, Kind::Nation);
                }
                Member::Scripted { name, leaning, .. } => {
                    self.text(&format!("{mp}.name"), name, "a member's name");
                    self.leaning(&format!("{mp}.leaning"), leaning);
                }
            }
            if !seen.insert(m.id()) {
                self.problem(&mp, format!("{:?} is a member twice", m.id()));
            }
        }
        if let DecisionRule::QualifiedMajority { yes, vetoes } = &inst.rule {
            let n = inst.members.len();
            if *yes == 0 || *yes as usize > n {
                self.problem(
                    &format!("{p}.rule.yes"),
                    format!("{yes} votes can never be reached by {n} members; expected 1 to {n}"),
                );
            }
            let mut seen_veto = BTreeSet::new();
            for (i, v) in vetoes.iter().enumerate() {
                let vp = format!("{p}.rule.vetoes[{i}]");
                if !inst.members.iter().any(|m| m.id() == v) {
                    self.problem(&vp, format!("{v:?} holds a veto but is not a member of {:?}", inst.id));
                }
                if !seen_veto.insert(v) {
                    self.problem(&vp, format!("{v:?} is listed twice"));
                }
            }
        }
    }

    fn template(&mut self, p: &str, t: &MandateTemplate) {
        self.text(&format!("{p}.name"), &t.name, "a template's name");
        for sev in Severity::ALL {
            if !t.responses.contains_key(&sev) {
                self.problem(&format!("{p}.responses"), format!("no responses given for severity {sev:?}"));
            }
        }
        for (sev, list) in &t.responses {
            let rp = format!("{p}.responses.{sev:?}");
            if list.is_empty() {
                self.problem(&rp, "give at least one response (Record, if nothing else)");
            }
            let mut seen = BTreeSet::new();
            for r in list {
                if !seen.insert(r) {
                    self.problem(&rp, format!("response {r:?} is listed twice"));
                }
                if let Some(why) = forbidden_response(t.kind, *r) {
                    self.problem(&rp, format!("a {:?} mandate cannot permit {r:?}: {why}", t.kind));
                }
            }
        }
        if t.contingent_kinds.is_empty() {
            self.problem(&format!("{p}.contingent_kinds"), "list at least one kind of contingent");
        }
        if t.duration_turns == 0 {
            self.problem(&format!("{p}.duration_turns"), "a mandate must last at least one turn");
        }
        self.count(&format!("{p}.capital_cost"), t.capital_cost, "political capital cost");
    }

    fn mandate(&mut self, p: &str, m: &Mandate) {
        self.reference(&format!("{p}.template"), &m.template, Kind::Template);
        self.reference(&format!("{p}.authorised_by"), &m.authorised_by, Kind::Institution);
        self.references(&format!("{p}.sectors"), &m.sectors, Kind::Sector);
        self.references(&format!("{p}.contributors"), &m.contributors, Kind::Nation);
        if m.duration_turns == Some(0) {
            self.problem(&format!("{p}.duration_turns"), "a mandate must last at least one turn");
        }
        if m.start_turn > self.s.turns {
            self.problem(
                &format!("{p}.start_turn"),
                format!("turn {} is after the last turn ({})", m.start_turn, self.s.turns),
            );
        }
    }

    fn line(&mut self) {
        let l = &self.s.line;
        self.text("line.name", &l.name, "the line's name");
        if !(l.length_km.is_finite() && l.length_km > 0.0) {
            self.problem(
                "line.length_km",
                format!("the line's length must be a positive number of km (found {})", l.length_km),
            );
        }
        if l.points.len() < 2 {
            self.problem("line.points", format!("a line needs at least two points (found {})", l.points.len()));
        }
        for (i, pt) in l.points.iter().enumerate() {
            self.range(&format!("line.points[{i}].lat"), pt.lat, -90.0, 90.0);
            self.range(&format!("line.points[{i}].lon"), pt.lon, -180.0, 180.0);
        }
        if l.sectors.is_empty() {
            self.problem("line.sectors", "a line needs at least one sector");
        }
        let last = l.points.len().saturating_sub(1) as u64;
        let mut expected_start = 0u64;
        let mut total = 0.0;
        for (i, sec) in l.sectors.iter().enumerate() {
            let p = format!("line.sectors[{i}]");
            self.text(&format!("{p}.name"), &sec.name, "a sector's name");
            let (a, b) = (sec.points.0 as u64, sec.points.1 as u64);
            if a >= b {
                self.problem(
                    &format!("{p}.points"),
                    format!("a sector runs from a lower point index to a higher one (found {a} to {b})"),
                );
            } else if b > last {
                self.problem(
                    &format!("{p}.points[1]"),
                    format!("point {b} does not exist; the line's last point is {last}"),
                );
            } else if a != expected_start {
                let why = if i == 0 {
                    "the first sector must start at point 0".to_string()
                } else {
                    format!("it must start where the previous sector ends, at point {expected_start}")
                };
                self.problem(&format!("{p}.points[0]"), format!("sector starts at point {a}, but {why}"));
            }
            expected_start = b;
            if sec.length_km.is_finite() && sec.length_km > 0.0 {
                total += sec.length_km;
            } else {
                self.problem(
                    &format!("{p}.length_km"),
                    format!("a sector's length must be a positive number of km (found {})", sec.length_km),
                );
            }
            self.range(&format!("{p}.buffer_km"), sec.buffer_km, 0.0, 100.0);
            self.fraction(&format!("{p}.base_tension"), sec.base_tension);
            for (nation, troops) in &sec.forces {
                let fp = format!("{p}.forces.{nation}");
                if self.reference(&fp, nation, Kind::Nation)
                    && let Some(n) = self.nation_of(nation)
                    && !n.flags.contains(&NationFlag::Belligerent)
                {
                    self.problem(
                        &fp,
                        format!("{nation:?} is not flagged Belligerent; other nations' forces are contingents"),
                    );
                }
                self.count(&fp, *troops, "troops");
            }
        }
        if !l.sectors.is_empty() && l.points.len() >= 2 && expected_start != last {
            self.problem(
                "line.sectors",
                format!("the sectors end at point {expected_start}, but the line goes on to point {last}"),
            );
        }
        if l.length_km.is_finite() && !l.sectors.is_empty() && (total - l.length_km).abs() > LENGTH_TOLERANCE_KM {
            self.problem(
                "line.length_km",
                format!("the sectors' lengths add up to {total:.1} km, but the line is {} km long", l.length_km),
            );
        }
    }

    fn defence_line(&mut self, p: &str, d: &DefenceLine) {
        self.text(&format!("{p}.name"), &d.name, "a line of defence's name");
        if d.depth == 0 {
            self.problem(&format!("{p}.depth"), "depth counts from 1 (the first line)");
        }
        if self.depths.get(&d.depth).copied().unwrap_or(0) > 1 {
            self.problem(&format!("{p}.depth"), format!("two lines of defence have depth {}", d.depth));
        }
        self.references(&format!("{p}.nations"), &d.nations, Kind::Nation);
        self.condition(&format!("{p}.engages"), &d.engages);
    }

    fn contingent(&mut self, p: &str, k: &Contingent) {
        self.reference(&format!("{p}.owner"), &k.owner, Kind::Nation);
        if k.size <= 0 {
            self.problem(&format!("{p}.size"), format!("a contingent's size must be at least 1 (found {})", k.size));
        } else {
            self.count(&format!("{p}.size"), k.size, "size");
        }
        if self.reference(&format!("{p}.line"), &k.line, Kind::DefenceLine)
            && let Some(line) = self.declared(&k.line, Kind::DefenceLine, &self.s.defence_lines)
            && !line.nations.contains(&k.owner)
        {
            self.problem(
                &format!("{p}.line"),
                format!("{:?} is not among the nations of the line of defence {:?}", k.owner, k.line),
            );
        }
        if let Some(m) = &k.mandate
            && self.reference(&format!("{p}.mandate"), m, Kind::Mandate)
            && let Some(template) = self
                .declared(m, Kind::Mandate, &self.s.mandates)
                .and_then(|x| self.declared(&x.template, Kind::Template, &self.s.mandate_templates))
            && !template.contingent_kinds.contains(&k.kind)
        {
            self.problem(
                &format!("{p}.kind"),
                format!(
                    "a {:?} contingent cannot serve under {m:?} ({}), which takes {:?}",
                    k.kind, template.name, template.contingent_kinds
                ),
            );
        }
        if let Some(sec) = &k.sector {
            self.reference(&format!("{p}.sector"), sec, Kind::Sector);
        }
        self.fraction(&format!("{p}.readiness"), k.readiness);
        self.count(&format!("{p}.losses"), k.losses, "losses");
    }

    /// Armed contingents of a nation may not exceed its troop pool.
    fn troop_totals(&mut self) {
        let mut totals: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
        for (i, k) in self.s.contingents.iter().enumerate() {
            if k.kind.is_armed() && (0..=MAX_COUNT).contains(&k.size) {
                let e = totals.entry(k.owner.as_str()).or_insert((0, i));
                e.0 += k.size;
            }
        }
        for (owner, (total, first)) in totals {
            if let Some(n) = self.nation_of(owner)
                && n.pools.troops >= 0
                && total > n.pools.troops
            {
                self.problem(
                    &format!("contingents[{first}].size"),
                    format!(
                        "{owner:?}'s armed contingents total {total} troops, more than its pool of {}",
                        n.pools.troops
                    ),
                );
            }
        }
    }

    fn pledge(&mut self, p: &str, pl: &Pledge) {
        self.reference(&format!("{p}.nation"), &pl.nation, Kind::Nation);
        if self.reference(&format!("{p}.contingent"), &pl.contingent, Kind::Contingent)
            && let Some(k) = self.declared(&pl.contingent, Kind::Contingent, &self.s.contingents)
        {
            if k.owner != pl.nation {
                self.problem(
                    &format!("{p}.contingent"),
                    format!("{:?} belongs to {:?}, not to {:?}", k.id, k.owner, pl.nation),
                );
            }
            if k.sector.is_some() {
                self.problem(
                    &format!("{p}.contingent"),
                    format!("{:?} is already deployed; a pledged contingent starts at home", k.id),
                );
            }
        }
        if self.pledged.get(pl.contingent.as_str()).copied().unwrap_or(0) > 1 {
            self.problem(&format!("{p}.contingent"), format!("{:?} is pledged more than once", pl.contingent));
        }
        self.reference(&format!("{p}.sector"), &pl.sector, Kind::Sector);
        self.condition(&format!("{p}.condition"), &pl.condition);
        if let Some(t) = pl.lapses_after_turn
            && t > self.s.turns
        {
            self.problem(
                &format!("{p}.lapses_after_turn"),
                format!("turn {t} is after the last turn ({})", self.s.turns),
            );
        }
    }

    fn guarantee(&mut self, p: &str, g: &Guarantee) {
        self.reference(&format!("{p}.guarantor"), &g.guarantor, Kind::Nation);
        self.reference(&format!("{p}.recipient"), &g.recipient, Kind::Nation);
        if g.guarantor == g.recipient {
            self.problem(&format!("{p}.recipient"), "a nation cannot guarantee itself");
        }
        if g.components.is_empty() {
            self.problem(&format!("{p}.components"), "a guarantee needs at least one component");
        }
        let mut seen = BTreeSet::new();
        for (i, c) in g.components.iter().enumerate() {
            if !seen.insert(c) {
                self.problem(&format!("{p}.components[{i}]"), format!("component {c:?} is listed twice"));
            }
        }
        if let Some(day) = g.accepted_day {
            if g.status != GuaranteeStatus::Accepted && g.status != GuaranteeStatus::Breached {
                self.problem(
                    &format!("{p}.accepted_day"),
                    format!("only an accepted guarantee has a day it was accepted; this one is {:?}", g.status),
                );
            }
            let last = self.s.turns.saturating_mul(self.s.turn_days);
            if day == 0 || day > last {
                self.problem(
                    &format!("{p}.accepted_day"),
                    format!("day {day} does not exist; days run from 1 to {last}"),
                );
            }
        }
    }

    /// A host's refusals name other nations that are not parties, once each.
    fn refusals(&mut self, p: &str, n: &Nation) {
        if !n.refuses.is_empty() && !n.flags.contains(&NationFlag::Host) {
            self.problem(&format!("{p}.refuses"), "only a host (flag Host) refuses foreign troops");
        }
        let mut seen = BTreeSet::new();
        for (i, other) in n.refuses.iter().enumerate() {
            let rp = format!("{p}.refuses[{i}]");
            self.reference(&rp, other, Kind::Nation);
            if other == &n.id {
                self.problem(&rp, "a host does not refuse itself");
            } else if !seen.insert(other) {
                self.problem(&rp, format!("{other:?} is refused twice"));
            } else if self.s.nations.iter().any(|x| &x.id == other && x.flags.contains(&NationFlag::Belligerent)) {
                self.problem(&rp, format!("{other:?} is a party to the conflict, not a foreign contributor"));
            }
        }
    }

    fn guarantee_effects(&mut self, g: &GuaranteeEffects) {
        for (name, v) in [
            ("training_resistance", g.training_resistance),
            ("training_readiness", g.training_readiness),
            ("weapons_deterrence", g.weapons_deterrence),
            ("industry_deterrence", g.industry_deterrence),
            ("intelligence_detection", g.intelligence_detection),
            ("intelligence_attribution", g.intelligence_attribution),
            ("sanctions_support_per_day", g.sanctions_support_per_day),
            ("economic_support_per_day", g.economic_support_per_day),
            ("accession_support_per_day", g.accession_support_per_day),
        ] {
            self.fraction(&format!("model.guarantees.{name}"), v);
        }
        let days = g.industry_build_days;
        if !(days.is_finite() && days > 0.0 && days <= 10_000.0) {
            self.problem(
                "model.guarantees.industry_build_days",
                format!("{days} must be a positive number of days up to 10000"),
            );
        }
        for (name, v) in [("accession_relations", g.accession_relations), ("breach_relations", g.breach_relations)] {
            if !(0..=MAX_RELATION).contains(&v) {
                self.problem(
                    &format!("model.guarantees.{name}"),
                    format!("{v} is out of range; expected 0 to {MAX_RELATION}"),
                );
            }
        }
        self.condition("model.guarantees.assistance_when", &g.assistance_when);
    }

    fn diplomacy_effects(&mut self, d: &DiplomacyEffects) {
        for (name, days) in [("lobby_days", d.lobby_days), ("lobby_fade_days", d.lobby_fade_days)] {
            if !(days.is_finite() && days > 0.0 && days <= 10_000.0) {
                self.problem(
                    &format!("model.diplomacy.{name}"),
                    format!("{days} must be a positive number of days up to 10000"),
                );
            }
        }
        for (name, value) in [
            ("sanction_relations", d.sanction_relations),
            ("deal_breach_relations", d.deal_breach_relations),
            ("deal_kept_relations", d.deal_kept_relations),
        ] {
            if !(0..=MAX_RELATION).contains(&value) {
                self.problem(
                    &format!("model.diplomacy.{name}"),
                    format!("{value} is out of range; expected 0 to {MAX_RELATION}"),
                );
            }
        }
    }

    fn asset(&mut self, p: &str, a: &MonitoringAsset) {
        self.reference(&format!("{p}.owner"), &a.owner, Kind::Nation);
        if a.count <= 0 {
            self.problem(&format!("{p}.count"), format!("an asset's count must be at least 1 (found {})", a.count));
        } else {
            self.count(&format!("{p}.count"), a.count, "count");
        }
        if let Some(m) = &a.mandate {
            self.reference(&format!("{p}.mandate"), m, Kind::Mandate);
        }
        self.references(&format!("{p}.sectors"), &a.sectors, Kind::Sector);
        self.fraction(&format!("{p}.detection"), a.detection);
        self.fraction(&format!("{p}.jamming"), a.jamming);
        if a.jamming > 0.0 && !a.kind.is_drone() {
            self.problem(&format!("{p}.jamming"), format!("only drones are jammed; {:?} cannot have jamming", a.kind));
        }
        self.range(&format!("{p}.restrictions_per_month"), a.restrictions_per_month, 0.0, 10_000.0);
        if a.restrictions_per_month > 0.0 && a.kind != AssetKind::Monitors {
            self.problem(
                &format!("{p}.restrictions_per_month"),
                format!("movement restrictions apply to Monitors on patrol, not to {:?}", a.kind),
            );
        }
    }

    fn inject(&mut self, p: &str, inj: &Inject) {
        self.text(&format!("{p}.name"), &inj.name, "an inject's name");
        self.text(&format!("{p}.text"), &inj.text, "an inject's text");
        self.condition(&format!("{p}.trigger"), &inj.trigger);
        if inj.approval && !(10..=MAX_APPROVAL_SECONDS).contains(&inj.approval_seconds) {
            self.problem(
                &format!("{p}.approval_seconds"),
                format!("{} is out of range; expected 10 to {MAX_APPROVAL_SECONDS} seconds", inj.approval_seconds),
            );
        }
        for (i, e) in inj.effects.iter().enumerate() {
            let ep = format!("{p}.effects[{i}]");
            match e {
                Effect::Tension { sector, delta } => {
                    self.reference(&format!("{ep}.sector"), sector, Kind::Sector);
                    self.range(&format!("{ep}.delta"), *delta, -1.0, 1.0);
                }
                Effect::Support { nation, delta } => {
                    self.reference(&format!("{ep}.nation"), nation, Kind::Nation);
                    self.range(&format!("{ep}.delta"), *delta, -1.0, 1.0);
                }
                Effect::Capital { nation, delta } => {
                    self.reference(&format!("{ep}.nation"), nation, Kind::Nation);
                    if delta.abs() > MAX_COUNT {
                        self.problem(&format!("{ep}.delta"), format!("{delta} is out of range"));
                    }
                }
                Effect::Relations { from, to, delta } => {
                    self.reference(&format!("{ep}.from"), from, Kind::Nation);
                    self.reference(&format!("{ep}.to"), to, Kind::Nation);
                    if delta.abs() > 2 * MAX_RELATION {
                        self.problem(&format!("{ep}.delta"), format!("{delta} is out of range; expected -200 to 200"));
                    }
                }
                Effect::Jamming { asset, value } => {
                    self.reference(&format!("{ep}.asset"), asset, Kind::Asset);
                    self.fraction(&format!("{ep}.value"), *value);
                }
                Effect::Restrictions { asset, per_month } => {
                    self.reference(&format!("{ep}.asset"), asset, Kind::Asset);
                    self.range(&format!("{ep}.per_month"), *per_month, 0.0, 10_000.0);
                }
                Effect::Aggression { nation, value } => {
                    self.reference(&format!("{ep}.nation"), nation, Kind::Nation);
                    self.fraction(&format!("{ep}.value"), *value);
                }
            }
        }
    }

    fn model(&mut self, m: &ModelParams) {
        for (name, v) in [
            ("tension_floor", m.tension_floor),
            ("deterrence_max", m.deterrence_max),
            ("restriction_loss", m.restriction_loss),
            ("soldier_detection", m.soldier_detection),
            ("attribution_rate_unmandated", m.attribution_rate_unmandated),
            ("attribution_accuracy", m.attribution_accuracy),
            ("escalation_decay_per_day", m.escalation_decay_per_day),
            ("tension_relax_per_day", m.tension_relax_per_day),
            ("truce_depth", m.truce_depth),
            ("measures_tension_cut", m.measures_tension_cut),
            ("leak_evasion", m.leak_evasion),
            ("patrol_detection", m.patrol_detection),
            ("legitimacy_support", m.legitimacy_support),
            ("restraint_per_answer", m.restraint_per_answer),
            ("collapse_hazard_per_day", m.collapse_hazard_per_day),
        ] {
            self.fraction(&format!("model.{name}"), v);
        }
        for (name, v) in [
            ("shots_per_km_day", m.shots_per_km_day),
            ("deterrence_troops_per_km", m.deterrence_troops_per_km),
            ("enforce_deterrence_bonus", m.enforce_deterrence_bonus),
            ("monitors_per_km_full", m.monitors_per_km_full),
            ("drones_per_100km_full", m.drones_per_100km_full),
            ("cameras_per_100km_full", m.cameras_per_100km_full),
            ("satellites_full", m.satellites_full),
            ("collapse_at", m.collapse_at),
            ("fraying_at", m.fraying_at),
            ("tension_per_escalation", m.tension_per_escalation),
            ("truce_days", m.truce_days),
            ("measures_truce_days", m.measures_truce_days),
            ("response_troops_per_km", m.response_troops_per_km),
            ("restraint_recovery_days", m.restraint_recovery_days),
            ("retaliation_days", m.retaliation_days),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1_000.0) {
                self.problem(&format!("model.{name}"), format!("{v} must be a positive number up to 1000"));
            }
        }
        if m.fraying_at >= m.collapse_at {
            self.problem("model.fraying_at", "the ceasefire must fray before it collapses: fraying_at < collapse_at");
        }
        if m.travel_days > 365 {
            self.problem("model.travel_days", "travel takes at most 365 days");
        }
        self.leaning("model.attribution_rate", &m.attribution_rate);
        for (group, values) in [
            ("severity_mix", &m.severity_mix),
            ("escalation", &m.escalation),
            ("lethality", &m.lethality),
            ("buffer_halving_km", &m.buffer_halving_km),
        ] {
            for (sev, v) in Severity::ALL.iter().zip(values.values()) {
                self.range(&format!("model.{group}.{}", snake(*sev)), v, 0.0, 100.0);
            }
        }
        for (group, values) in
            [("terrain_detection", &m.terrain_detection), ("terrain_deterrence", &m.terrain_deterrence)]
        {
            for (name, v) in ["open", "forest", "urban", "river", "marsh", "hills"].iter().zip(values.values()) {
                self.range(&format!("model.{group}.{name}"), v, 0.0, 2.0);
            }
        }
        self.range("model.retaliation_gain", m.retaliation_gain, 0.0, 10.0);
        self.guarantee_effects(&m.guarantees);
        self.diplomacy_effects(&m.diplomacy);
        let mix: f64 = m.severity_mix.values().iter().sum();
        if mix.is_finite() && mix <= 0.0 {
            self.problem("model.severity_mix", "at least one severity must have a share above 0");
        }
        let c = &m.costs;
        for (name, v) in [
            ("public_statement", c.public_statement),
            ("pledge", c.pledge),
            ("deploy", c.deploy),
            ("withdraw", c.withdraw),
            ("offer_guarantee", c.offer_guarantee),
            ("sanctions", c.sanctions),
            ("share_intelligence", c.share_intelligence),
            ("recommit", c.recommit),
            ("recommit_with_measures", c.recommit_with_measures),
            ("request_air_support", c.request_air_support),
            ("accuse", c.accuse),
            ("lobby", c.lobby),
        ] {
            self.count(&format!("model.costs.{name}"), v, "a cost");
        }
    }

    fn turn(&mut self, p: &str, t: u32) {
        if t == 0 || t > self.s.turns {
            self.problem(p, format!("turn {t} does not exist; turns run from 1 to {}", self.s.turns));
        }
    }

    fn condition(&mut self, p: &str, c: &Condition) {
        match c {
            Condition::Always
            | Condition::Never
            | Condition::CeasefireHolds
            | Condition::MandateOfKind(_)
            | Condition::ViolationAtLeast(_) => {}
            Condition::FromTurn(t) | Condition::AtTurn(t) => self.turn(p, *t),
            Condition::MandateFrom(id) => {
                self.reference(p, id, Kind::Institution);
            }
            Condition::Deployed(id) | Condition::Sanctioned(id) => {
                self.reference(p, id, Kind::Nation);
            }
            Condition::GuaranteeAccepted { guarantor, recipient } => {
                self.reference(&format!("{p}.guarantor"), guarantor, Kind::Nation);
                self.reference(&format!("{p}.recipient"), recipient, Kind::Nation);
            }
            Condition::EscalationAtLeast(v) | Condition::EscalationBelow(v) => self.fraction(p, *v),
            Condition::RecordedViolationsAtLeast(n) => self.count(p, *n, "a count of violations"),
            Condition::SupportAtLeast { nation, value } => {
                self.reference(&format!("{p}.nation"), nation, Kind::Nation);
                self.fraction(&format!("{p}.value"), *value);
            }
            Condition::RelationsAtLeast { from, to, value } => {
                self.reference(&format!("{p}.from"), from, Kind::Nation);
                self.reference(&format!("{p}.to"), to, Kind::Nation);
                if value.abs() > MAX_RELATION {
                    self.problem(
                        &format!("{p}.value"),
                        format!("relation {value} is out of range; expected -100 to 100"),
                    );
                }
            }
            Condition::Leans { institution, kind: _, value } => {
                self.reference(&format!("{p}.institution"), institution, Kind::Institution);
                self.fraction(&format!("{p}.value"), *value);
            }
            Condition::All(list) | Condition::Any(list) => {
                if list.is_empty() {
                    self.problem(p, "All and Any need at least one condition");
                }
                for (i, inner) in list.iter().enumerate() {
                    self.condition(&format!("{p}[{i}]"), inner);
                }
            }
            Condition::Not(inner) => self.condition(p, inner),
        }
    }
}

/// The field name of a severity in `PerSeverity`.
fn snake(s: Severity) -> &'static str {
    match s {
        Severity::SmallArms => "small_arms",
        Severity::Artillery => "artillery",
        Severity::Incursion => "incursion",
        Severity::DroneStrike => "drone_strike",
        Severity::AttackOnMonitors => "attack_on_monitors",
    }
}

/// Why a mandate of `kind` may not permit `r`, if it may not.
fn forbidden_response(kind: MandateKind, r: Response) -> Option<&'static str> {
    match (kind, r) {
        (MandateKind::ObserveReport, Response::Interpose | Response::ReturnFire | Response::CallAirSupport) => {
            Some("observers record and report; they do not use force")
        }
        (MandateKind::Interpose, Response::CallAirSupport) => Some("an interposition force acts in self-defence only"),
        _ => None,
    }
}

/// An id as quoted in a message: cut short if someone fed in a very long one.
fn shorten(id: &str) -> String {
    if id.chars().count() <= 40 { id.to_string() } else { format!("{}…", id.chars().take(40).collect::<String>()) }
}

pub fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn valid_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('-').collect();
    let num = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !num(parts[0], 4) || !num(parts[1], 2) || !num(parts[2], 2) {
        return false;
    }
    let month: u32 = parts[1].parse().unwrap_or(0);
    let day: u32 = parts[2].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The known id nearest to `id` by edit distance, if it is near enough to be a likely typo.
fn closest<'k>(id: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(id, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len().max(id.len()))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

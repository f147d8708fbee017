//! The after-action report (`truce report`): one self-contained HTML file of a recorded game (its
//! map, charts, story and seats) or of a batch (its design points' distributions).

use std::path::Path;

use minijinja::{Environment, Value, context};
use plotters::prelude::*;
use serde::Serialize;

use super::recorded::Recorded;
use crate::record::{Trace, TurnSummary};

const STYLE: &str = include_str!("../../assets/report/style.css");
const GAME: &str = include_str!("../../assets/report/game.html.j2");
const BATCH: &str = include_str!("../../assets/report/batch.html.j2");
const MACROS: &str = include_str!("../../assets/report/macros.html.j2");

/// Colours of the charts' series, in turn (colour-blind-safe).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

fn render(name: &str, ctx: Value) -> Result<String, String> {
    let mut env = Environment::new();
    for (n, source) in
        [("style.css", STYLE), ("game.html.j2", GAME), ("batch.html.j2", BATCH), ("macros.html.j2", MACROS)]
    {
        env.add_template(n, source).map_err(|e| format!("the report template {n}: {e}"))?;
    }
    env.get_template(name).and_then(|t| t.render(ctx)).map_err(|e| format!("the report template {name}: {e}"))
}

/// An SVG, passed to the template as markup.
fn svg(s: String) -> Value {
    Value::from_safe_string(s)
}

#[derive(Serialize)]
struct Chart {
    title: String,
    caption: String,
    svg: Value,
}

/// Lines over turns: one series per name.
fn line_chart(y_label: &str, series: &[(String, Vec<(u32, f64)>)]) -> Result<String, String> {
    let turns = series.iter().flat_map(|(_, p)| p.iter().map(|&(t, _)| t)).max().unwrap_or(1).max(2);
    let top = series.iter().flat_map(|(_, p)| p.iter().map(|&(_, y)| y)).fold(0.0_f64, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (760, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(1u32..turns, 0.0..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("turn")
            .y_desc(y_label)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (name, points)) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A sector's look on the map: how much fire it took per km and day, against the others.
fn sector_class(rate: f64, highest: f64, collapsed: bool) -> &'static str {
    if collapsed {
        "collapsed"
    } else if highest <= 0.0 || rate < highest / 3.0 {
        "calm"
    } else if rate < highest * 2.0 / 3.0 {
        "tense"
    } else {
        "violent"
    }
}

fn class_colour(class: &str) -> RGBColor {
    match class {
        "calm" => RGBColor(46, 125, 50),
        "tense" => RGBColor(230, 159, 0),
        "violent" => RGBColor(198, 40, 40),
        _ => RGBColor(106, 27, 154),
    }
}

#[derive(Serialize)]
struct MapSector {
    id: String,
    name: String,
    km: f64,
    class: &'static str,
    violations_true: u64,
    violations_recorded: u64,
    incidents: u64,
    tension: f64,
    peacekeepers: i64,
    outcome: String,
}

/// The line drawn from its points, each sector coloured by what it went through.
fn map_svg(line: &crate::scenario::model::CeasefireLine, sectors: &[MapSector]) -> Result<String, String> {
    let (lats, lons): (Vec<f64>, Vec<f64>) = line.points.iter().map(|p| (p.lat, p.lon)).unzip();
    let span = |v: &[f64]| {
        let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        if lo > hi { (0.0, 1.0) } else { (lo - 0.2, hi + 0.2) }
    };
    let ((y0, y1), (x0, x1)) = (span(&lats), span(&lons));
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (760, 420)).into_drawing_area();
        root.fill(&RGBColor(248, 248, 244)).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("longitude")
            .y_desc("latitude")
            .light_line_style(RGBColor(230, 230, 225))
            .draw()
            .map_err(|e| e.to_string())?;
        for (s, m) in line.sectors.iter().zip(sectors) {
            let (a, b) = (s.points.0 as usize, s.points.1 as usize);
            let points: Vec<(f64, f64)> =
                line.points.get(a..=b).unwrap_or(&[]).iter().map(|p| (p.lon, p.lat)).collect();
            let colour = class_colour(m.class);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(7)))
                .map_err(|e| e.to_string())?;
            if let Some(&(x, y)) = points.get(points.len() / 2) {
                let label = format!("{} ({})", m.name, m.violations_true);
                chart
                    .draw_series(std::iter::once(Text::new(label, (x + 0.08, y), ("sans-serif", 13).into_font())))
                    .map_err(|e| e.to_string())?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[derive(Serialize)]
struct TimelineEntry {
    turn: u32,
    day: u32,
    kind: String,
    who: String,
    text: String,
}

#[derive(Serialize)]
struct KeyEvent {
    turn: u32,
    day: u32,
    title: String,
    why: Vec<String>,
}

/// Trace rules that are decisions or their consequences, as the timeline shows them.
const DECISION_RULES: [&str; 8] =
    ["institutions", "pledge", "guarantee", "inject", "withdrawal", "deployment", "sanctions", "statement"];

/// The decisions: what the trace tells of votes, mandates, pledges, guarantees, withdrawals and
/// injects, and what the facilitator did.
fn timeline(trace: &Trace, records: &[crate::host::Record], turn_days: u32) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = trace
        .entries
        .iter()
        .filter(|e| DECISION_RULES.contains(&e.rule.as_ref()) || e.rule == "ceasefire")
        .map(|e| TimelineEntry {
            turn: e.turn,
            day: e.day,
            kind: kind_of(&e.rule, &e.text).into(),
            who: String::new(),
            text: trace.text(e).into_owned(),
        })
        .collect();
    for r in records
        .iter()
        .filter(|r| !matches!(r.input, crate::host::Input::Order { .. } | crate::host::Input::Seat { .. }))
    {
        let what = facilitator_words(&r.input);
        out.push(TimelineEntry {
            turn: r.turn,
            day: r.turn.saturating_sub(1) * turn_days,
            kind: "facilitator".into(),
            who: r.by.clone(),
            text: what,
        });
    }
    out.sort_by_key(|e| (e.turn, e.day));
    out
}

/// What the facilitator (or a fork, or the clock) did, in words.
fn facilitator_words(input: &crate::host::Input) -> String {
    use crate::host::Input;
    match input {
        Input::Start { humans } if humans.is_empty() => "started the game with bots in every seat".into(),
        Input::Start { humans } => format!("started the game; people play {}", humans.join(", ")),
        Input::Control { seat, bot: true } => format!("handed {seat} to its bot"),
        Input::Control { seat, bot: false } => format!("gave {seat} back to its people"),
        Input::Amend { path, value } => format!("set {path} to {value} from now on"),
        Input::Inject(id) => format!("fired the inject {id}"),
        Input::EndPhase { timed_out: true } => "the clock ended the orders phase".into(),
        Input::EndPhase { timed_out: false } => "ended the orders phase".into(),
        Input::Announce(text) => format!("announced: {text}"),
        Input::Clock(c) => format!("clock: {}", c.word()),
        Input::Kick(who) => format!("closed the connections of {who}"),
        Input::Readmit(who) => format!("let {who} in again"),
        Input::Revoke { seat, .. } => format!("issued a new code for {seat}"),
        Input::Save => "saved the game".into(),
        Input::Order { seat, .. } | Input::Seat { seat, .. } => format!("acted for {seat}"),
        Input::OrderFor { seat, order } => format!("gave {seat} an order: {}", order.kind()),
        Input::Press { seat, .. } | Input::OpenChannel { seat, .. } => format!("{seat} spoke"),
        Input::Offer { seat, offer } => format!("{seat} offered {} a deal", offer.to),
        Input::Answer { seat, deal, accept, .. } => {
            format!("{seat} {} offer {deal}", if *accept { "accepted" } else { "rejected" })
        }
        Input::PressRules(rules) => format!("set the press rules to {}", rules.words()),
        Input::Approve { inject, scale } => format!("approved the inject {inject} at {scale} of its size"),
        Input::Skip(inject) => format!("skipped the inject {inject}"),
        Input::Rollback { turn } => format!("took the game back to the start of turn {turn}"),
        Input::Override { rationale, .. } => format!("overrode the adjudication: {rationale}"),
    }
}

fn kind_of(rule: &str, text: &str) -> &'static str {
    match rule {
        "institutions" if text.contains("votes") || text.contains("vetoes") || text.contains("abstain") => "vote",
        "institutions" => "mandate",
        "pledge" | "deployment" => "pledge",
        "guarantee" => "guarantee",
        "withdrawal" => "withdrawal",
        "inject" => "inject",
        "statement" => "statement",
        _ => "other",
    }
}

/// The incidents of `turn` that weighed most on escalation, in words.
fn heaviest_incidents(trace: &Trace, turn: u32, n: usize) -> Vec<String> {
    let mut weighed: Vec<(f64, String)> = trace
        .entries
        .iter()
        .filter(|e| e.turn == turn)
        .filter_map(|e| e.incident.as_ref().map(|i| (i.escalation, trace.told(i).full())))
        .collect();
    weighed.sort_by(|a, b| b.0.total_cmp(&a.0));
    weighed.into_iter().take(n).map(|(w, text)| format!("{text} (escalation +{w:.4})")).collect()
}

/// Why escalation jumped (the turns it rose most) and why the ceasefire collapsed, if it did.
fn key_events(history: &[TurnSummary], trace: &Trace, ended: &str) -> Vec<KeyEvent> {
    let mut rises: Vec<(f64, &TurnSummary, f64)> = history
        .iter()
        .scan(0.0, |before, t| {
            let rise = t.escalation - *before;
            let from = *before;
            *before = t.escalation;
            Some((rise, t, from))
        })
        .filter(|(rise, ..)| *rise > 0.0)
        .collect();
    rises.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<KeyEvent> = rises
        .into_iter()
        .take(2)
        .map(|(_, t, from)| {
            let mut why = heaviest_incidents(trace, t.turn, 3);
            why.extend(
                trace
                    .entries
                    .iter()
                    .filter(|e| e.turn == t.turn && e.rule == "inject")
                    .map(|e| trace.text(e).into_owned()),
            );
            KeyEvent {
                turn: t.turn,
                day: t.first_day,
                title: format!("Escalation rose from {from:.3} to {:.3} in turn {}", t.escalation, t.turn),
                why,
            }
        })
        .collect();
    if let Some(c) = trace.entries.iter().find(|e| e.rule == "ceasefire" && e.text.contains("collapse")) {
        let mut why = vec![trace.text(c).into_owned()];
        why.extend(heaviest_incidents(trace, c.turn, 3));
        out.push(KeyEvent { turn: c.turn, day: c.day, title: ended.to_string(), why });
    }
    out.sort_by_key(|e| (e.turn, e.day));
    out
}

#[derive(Serialize)]
struct Objective {
    text: String,
    met: Option<bool>,
    detail: String,
}

#[derive(Serialize)]
struct Seat {
    id: String,
    name: String,
    controller: &'static str,
    score: i64,
    support: f64,
    objectives: Vec<Objective>,
    record: Vec<String>,
}

fn seats(app: &mut bevy::prelude::App, history: &[TurnSummary], trace: &Trace) -> (String, Vec<Seat>) {
    let world = app.world_mut();
    let debrief = crate::host::view::debrief(world, crate::protocol::Role::Facilitator, None);
    let played = debrief.turns_played;
    let last = history.last();
    let seats = debrief
        .ranking
        .into_iter()
        .map(|s| {
            let bot = world
                .resource::<crate::world::Registry>()
                .get(&s.id)
                .and_then(|e| world.get::<crate::game::Controller>(e))
                .is_some_and(|c| *c == crate::game::Controller::Bot);
            let support = last.and_then(|t| t.nations.iter().find(|n| n.id == s.id)).map_or(0.0, |n| n.support);
            let objectives = s
                .objectives
                .into_iter()
                .map(|o| Objective {
                    met: if played == 0 { None } else { Some(o.turns_met * 2 >= played) },
                    detail: format!(
                        "held on {} of {played} turns; weight {}{}",
                        o.turns_met,
                        o.weight,
                        if o.public { "" } else { "; secret" }
                    ),
                    text: o.text,
                })
                .collect();
            let record = trace
                .entries
                .iter()
                .filter(|e| e.rule == "score" && e.text.starts_with(&s.name))
                .map(|e| format!("Turn {}: {}", e.turn, e.text))
                .collect();
            Seat {
                controller: if bot { "bot" } else { "people" },
                support,
                objectives,
                record,
                id: s.id,
                name: s.name,
                score: s.score,
            }
        })
        .collect();
    (debrief.ended, seats)
}

/// Each sector's figures over the game, and its look on the map.
fn map_sectors(history: &[TurnSummary], scenario: &crate::scenario::Scenario, collapsed: bool) -> Vec<MapSector> {
    let days: u32 = history.iter().map(|t| t.days).sum();
    let last = history.last();
    let rate = |id: &str, km: f64| {
        let v: u64 = history.iter().flat_map(|t| &t.sectors).filter(|s| s.id == id).map(|s| s.violations_true).sum();
        v as f64 / km.max(1.0) / f64::from(days.max(1))
    };
    let highest = scenario.line.sectors.iter().map(|s| rate(&s.id, s.length_km)).fold(0.0, f64::max);
    scenario
        .line
        .sectors
        .iter()
        .map(|s| {
            let mine = || history.iter().flat_map(|t| &t.sectors).filter(|x| x.id == s.id);
            let end = last.and_then(|t| t.sectors.iter().find(|x| x.id == s.id));
            let class = sector_class(rate(&s.id, s.length_km), highest, collapsed);
            MapSector {
                id: s.id.clone(),
                name: s.name.clone(),
                km: s.length_km,
                class,
                violations_true: mine().map(|x| x.violations_true).sum(),
                violations_recorded: mine().map(|x| x.violations_recorded).sum(),
                incidents: mine().map(|x| x.incidents).sum(),
                tension: end.map_or(s.base_tension, |x| x.tension),
                peacekeepers: end.map_or(0, |x| x.peacekeepers),
                outcome: format!("{:.1} violations per km and day", rate(&s.id, s.length_km)),
            }
        })
        .collect()
}

/// The after-action review of a recorded game, as one HTML file.
pub fn game_report(game: &Recorded, command: &str) -> Result<String, String> {
    let mut app = game.replay()?;
    let world = app.world_mut();
    let history = world.resource::<crate::record::History>().0.clone();
    let trace = world.resource::<Trace>().clone();
    let state_hash = format!("{:016x}", crate::record::state_hash(world));
    let scenario = &game.meta.scenario;
    let (ended, seats) = seats(&mut app, &history, &trace);
    let last = history.last();
    let collapsed = last.is_some_and(|t| t.ceasefire == "collapsed");
    let days: u32 = history.iter().map(|t| t.days).sum();
    let sectors = map_sectors(&history, scenario, collapsed);
    let map = map_svg(&scenario.line, &sectors)?;
    let charts = game_charts(&history, scenario)?;
    let collapse_turn = history.iter().find(|t| t.ceasefire == "collapsed").map(|t| t.turn);
    let turns: Vec<Value> = history
        .iter()
        .map(|t| {
            Value::from_serialize(serde_json::json!({
                "turn": t.turn, "first_day": t.first_day, "days": t.days,
                "violations_true": t.violations_true, "violations_recorded": t.violations_recorded,
                "casualties": t.casualties, "escalation": format!("{:.4}", t.escalation),
                "ceasefire": t.ceasefire, "mandates": t.mandates,
            }))
        })
        .collect();
    let ctx = context! {
        title => format!("{} — after-action review", scenario.name),
        engine => super::Engine::this().words(),
        scenario => context! { id => &scenario.id, name => &scenario.name, description => &scenario.description,
            sha256 => game.meta.source.as_ref().map_or_else(String::new, |s| s.sha256.clone()) },
        seed => game.meta.seed,
        game => game.dir.display().to_string(),
        outcome => context! {
            ceasefire => last.map_or("not begun".to_string(), |t| t.ceasefire.clone()),
            collapsed, collapse_turn,
            turns => history.len(), days,
            violations_true => history.iter().map(|t| t.violations_true).sum::<u64>(),
            violations_recorded => history.iter().map(|t| t.violations_recorded).sum::<u64>(),
            casualties => history.iter().map(|t| t.casualties).sum::<u64>(),
            escalation_final => last.map_or(0.0, |t| t.escalation),
            escalation_max => history.iter().map(|t| t.escalation).fold(0.0, f64::max),
        },
        map => context! { svg => svg(map), sectors => Value::from_serialize(&sectors) },
        charts => Value::from_serialize(&charts),
        turns => turns,
        timeline => Value::from_serialize(timeline(&trace, &game.records, scenario.turn_days)),
        key_events => Value::from_serialize(key_events(&history, &trace, &ended)),
        seats => Value::from_serialize(&seats),
        provenance => context! { command, journal_sha256 => game.journal_sha256(), state_hash, records => game.records.len() },
    };
    render("game.html.j2", ctx)
}

fn game_charts(history: &[TurnSummary], scenario: &crate::scenario::Scenario) -> Result<Vec<Chart>, String> {
    let per_turn = |f: &dyn Fn(&TurnSummary) -> f64| history.iter().map(|t| (t.turn, f(t))).collect::<Vec<_>>();
    let per_nation = |f: &dyn Fn(&crate::record::NationSummary) -> f64| {
        scenario
            .nations
            .iter()
            .map(|n| {
                let points = history
                    .iter()
                    .filter_map(|t| t.nations.iter().find(|x| x.id == n.id).map(|x| (t.turn, f(x))))
                    .collect();
                (n.name.clone(), points)
            })
            .collect::<Vec<_>>()
    };
    Ok(vec![
        Chart {
            title: "Violations, true and recorded".into(),
            caption: "Each turn's violations as they happened, and the share the monitors recorded.".into(),
            svg: svg(line_chart(
                "violations",
                &[
                    ("true".into(), per_turn(&|t| t.violations_true as f64)),
                    ("recorded".into(), per_turn(&|t| t.violations_recorded as f64)),
                ],
            )?),
        },
        Chart {
            title: "Escalation".into(),
            caption: "Escalation at the end of each turn (0 calm, 1 war resumed).".into(),
            svg: svg(line_chart("escalation", &[("escalation".into(), per_turn(&|t| t.escalation))])?),
        },
        Chart {
            title: "Domestic support".into(),
            caption: "Each nation's domestic support for its government's line, in percent.".into(),
            svg: svg(line_chart("support (%)", &per_nation(&|n| n.support * 100.0))?),
        },
        Chart {
            title: "Scores".into(),
            caption: "Each seat's score: points for its objectives, turn by turn.".into(),
            svg: svg(line_chart("score", &per_nation(&|n| n.score as f64))?),
        },
    ])
}

/// The report of a batch: its design points, their figures with 95% intervals, and the spread of
/// the runs behind them.
pub fn batch_report(dir: &Path) -> Result<String, String> {
    let manifest = super::batch::read_manifest(dir)?;
    let plan = &manifest.plan;
    let (header, rows) = super::batch::read_rows(&dir.join("summary.csv"))?;
    let (run_header, runs) = super::batch::read_rows(&dir.join("runs.csv"))?;
    let columns = plan.design.columns.clone();
    let col = |h: &[String], name: &str| h.iter().position(|c| c == name);
    let figures = ["violations_true", "violations_recorded", "casualties", "escalation_final"];
    let points: Vec<Value> = rows
        .iter()
        .map(|r| {
            let get = |name: &str| col(&header, name).map_or_else(String::new, |i| r[i].clone());
            let figs: Vec<Value> = figures
                .iter()
                .map(|f| {
                    context! { name => f, mean => short(&get(&format!("{f}_mean"))),
                    low => short(&get(&format!("{f}_low"))), high => short(&get(&format!("{f}_high"))) }
                })
                .collect();
            context! {
                point => get("point"),
                values => columns.iter().map(|c| get(c)).collect::<Vec<_>>(),
                runs => get("runs"),
                p_collapse => short(&get("p_collapse")), p_low => short(&get("p_collapse_low")), p_high => short(&get("p_collapse_high")),
                figures => figs,
            }
        })
        .collect();
    let mut charts = Vec::new();
    for f in ["violations_true", "escalation_final", "casualties"] {
        let Some(c) = col(&run_header, f) else { continue };
        let p = col(&run_header, "point").unwrap_or(1);
        let mut by_point: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
        for r in &runs {
            if let (Ok(i), Ok(v)) = (r[p].parse::<usize>(), r[c].parse::<f64>())
                && let Some(list) = by_point.get_mut(i.wrapping_sub(1))
            {
                list.push(v);
            }
        }
        charts.push(Chart {
            title: format!("{f} by design point"),
            caption: "Every run as a dot; the bar is the mean with its 95% interval.".into(),
            svg: svg(spread_chart(f, &by_point)?),
        });
    }
    let ctx = context! {
        title => format!("{} — batch of {} runs", plan.scenario_id, manifest.runs),
        engine => plan.engine.words(),
        scenario => context! { id => &plan.scenario_id, name => &plan.scenario_file, sha256 => &plan.scenario_sha256 },
        command => &plan.command,
        runs => manifest.runs,
        seeds => format!("{}–{}", plan.first_seed, plan.last_seed),
        batch => dir.display().to_string(),
        columns => columns,
        points => points,
        charts => Value::from_serialize(&charts),
    };
    render("batch.html.j2", ctx)
}

/// A number as a table shows it: four significant figures.
fn short(s: &str) -> String {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() >= 100.0 => format!("{x:.0}"),
        Ok(x) if x.is_finite() => format!("{x:.4}").trim_end_matches('0').trim_end_matches('.').to_string(),
        _ => s.to_string(),
    }
}

/// Each design point's runs as dots, with the mean and its 95% interval.
fn spread_chart(y_label: &str, by_point: &[Vec<f64>]) -> Result<String, String> {
    let top = by_point.iter().flatten().copied().fold(0.0_f64, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let n = by_point.len().max(1) as f64;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (760, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(0.5..n + 0.5, 0.0..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("design point")
            .y_desc(y_label)
            .x_labels(by_point.len().min(20))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, values) in by_point.iter().enumerate() {
            let x = i as f64 + 1.0;
            let colour = PALETTE[i % PALETTE.len()];
            let spread = values.len().max(1) as f64;
            chart
                .draw_series(values.iter().enumerate().map(|(k, &v)| {
                    let jitter = (k as f64 / spread - 0.5) * 0.5;
                    Circle::new((x + jitter, v), 2, colour.mix(0.5).filled())
                }))
                .map_err(|e| e.to_string())?;
            let e = super::stats::mean_interval(values);
            if e.mean.is_finite() {
                let bar = vec![(x - 0.3, e.mean), (x + 0.3, e.mean)];
                let interval = vec![(x, e.low), (x, e.high)];
                chart
                    .draw_series(std::iter::once(PathElement::new(bar, BLACK.stroke_width(3))))
                    .map_err(|e| e.to_string())?;
                chart
                    .draw_series(std::iter::once(PathElement::new(interval, BLACK.stroke_width(2))))
                    .map_err(|e| e.to_string())?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

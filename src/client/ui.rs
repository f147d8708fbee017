//! Drawing the client: the situation bar, the map of the line, the selected sector, the inbox,
//! the orders, the seats, the white cell's view, help and the order builder. Works from 80×24 up.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as Stroke};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Tabs, Wrap};

use super::{Client, Link, Tab, form, guard};
use crate::protocol::{Role, phase_word};
use crate::rules::Phase;

/// Colour of a sector by tension (0..1).
pub fn tension_colour(t: f64) -> Color {
    if t < 0.33 {
        Color::Green
    } else if t < 0.66 {
        Color::Yellow
    } else {
        Color::Red
    }
}

/// Capital a draft spends (the server's numbers, added without overflowing).
fn spent(d: &crate::rules::orders::Draft) -> i64 {
    d.orders.iter().fold(0i64, |sum, o| sum.saturating_add(o.cost))
}

/// The phase in one word, for a narrow top bar.
fn short_phase(phase: Phase) -> &'static str {
    match phase {
        Phase::Lobby => "lobby",
        Phase::Briefing => "briefing",
        Phase::Orders => "orders",
        Phase::Resolution => "resolving",
        Phase::GameOver => "over",
    }
}

fn clock_text(c: &Client) -> String {
    let Some(v) = &c.view else { return String::new() };
    match c.remaining_ms(std::time::Instant::now()) {
        Some(ms) => {
            // Whole seconds left, rounded up: the clock reads 00:00 only when time is up.
            let s = ms.div_ceil(1000);
            let paused = if v.clock.paused { " (paused)" } else { "" };
            format!("{:02}:{:02} left{paused}", s / 60, s % 60)
        }
        None if v.phase == Phase::Orders => "no clock".into(),
        None => String::new(),
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, c: &Client) {
    let area = frame.area();
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(4), Constraint::Min(8), Constraint::Length(1)]).areas(area);
    draw_situation(frame, top, c);
    // A big terminal shows the map larger; observers on a projector get the most map.
    let map_share = if matches!(c.role(), Role::Observer | Role::Projector) { 60 } else { 45 };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(map_share), Constraint::Percentage(100 - map_share)]).areas(body);
    let [map, details] = Layout::vertical([Constraint::Min(5), Constraint::Length(7)]).areas(left);
    draw_map(frame, map, c);
    match c.view.as_ref().and_then(|v| v.debrief.as_ref()) {
        // At game over the debrief takes the sector's and the panel's place, beside the map.
        Some(d) => draw_debrief(frame, Rect { y: details.y, height: details.height, ..left }, right, c, d),
        None => {
            draw_sector(frame, details, c);
            draw_panel(frame, right, c);
        }
    }
    draw_keys(frame, bottom, c);
    if c.builder.is_some() {
        draw_builder(frame, area, c);
    }
    if let Some(p) = &c.prompt {
        let r = centred(area, 70, 3);
        frame.render_widget(Clear, r);
        frame.render_widget(
            Paragraph::new(format!(":{p}")).block(Block::bordered().title(" Command (Enter to run, Esc to cancel) ")),
            r,
        );
    }
    if c.help {
        draw_help(frame, area, c);
    }
}

fn draw_situation(frame: &mut Frame, area: Rect, c: &Client) {
    let (Some(w), Some(v)) = (&c.welcome, &c.view) else {
        let text = match &c.link {
            Link::Reconnecting(why) => format!("Connection lost ({why}); reconnecting…"),
            Link::Closed(why) => format!("The server closed this connection: {why}. Press q."),
            _ => "Connecting…".into(),
        };
        frame.render_widget(Paragraph::new(text).block(Block::bordered().title(" Truce ")), area);
        return;
    };
    let who = match (&v.seat, v.role) {
        (Some(s), _) => w.nations.iter().find(|(id, _)| id == s).map_or(s.clone(), |(_, n)| n.clone()),
        (None, Role::Observer) => "Observer — public view".into(),
        (None, Role::Projector) => "Projector — the public view".into(),
        (None, Role::Facilitator) => "Facilitator".into(),
        (None, Role::Player) => String::new(),
    };
    let b = &v.briefing;
    let ceasefire_colour = match b.ceasefire.as_str() {
        "holding" => Color::Green,
        "fraying" => Color::Yellow,
        _ => Color::Red,
    };
    let width = area.width.saturating_sub(2) as usize;
    let clock = clock_text(c);
    // Each line in its full words, and shorter words when they would not fit: a number is never
    // cut.
    let turn_long = format!("  Turn {}/{}  {}  {clock}", v.turn, w.turns, phase_word(v.phase));
    let turn_short = format!(" T{}/{} {} {}", v.turn, w.turns, short_phase(v.phase), clock.replace(" left", ""));
    let turn = if who.chars().count() + turn_long.chars().count() <= width { turn_long } else { turn_short };
    let mut first = vec![Span::styled(who, Style::new().add_modifier(Modifier::BOLD)), Span::raw(turn)];
    match &c.link {
        Link::Reconnecting(_) => first.push(Span::styled("  reconnecting…", Style::new().fg(Color::Red))),
        Link::Closed(_) => {
            first.push(Span::styled("  disconnected by the server (q quits)", Style::new().fg(Color::Red)))
        }
        _ => {}
    }
    let own = b.own.as_ref().map(|own| {
        let used = v.draft.as_ref().map_or(0, spent);
        (own.capital, own.capital.saturating_sub(used), own.support * 100.0, own.score)
    });
    let long = (
        format!("Escalation {:.2}  ", b.escalation),
        format!("ceasefire {}", b.ceasefire),
        own.map_or_else(String::new, |(c, l, s, p)| format!("  Capital {c} ({l} left)  Support {s:.0}%  Score {p}")),
    );
    let short = (
        format!("Esc {:.2} ", b.escalation),
        b.ceasefire.clone(),
        own.map_or_else(String::new, |(c, l, s, p)| format!(" Cap {l}/{c} Sup {s:.0}% Score {p}")),
    );
    let fits = |t: &(String, String, String)| t.0.chars().count() + t.1.chars().count() + t.2.chars().count() <= width;
    let (a, cease, rest) = if fits(&long) { long } else { short };
    let second = vec![Span::raw(a), Span::styled(cease, Style::new().fg(ceasefire_colour)), Span::raw(rest)];
    let title = format!(" Truce — {} ", w.title);
    frame.render_widget(
        Paragraph::new(vec![Line::from(first), Line::from(second)]).block(Block::bordered().title(title)),
        area,
    );
}

fn draw_map(frame: &mut Frame, area: Rect, c: &Client) {
    let Some(w) = &c.welcome else {
        frame.render_widget(Block::bordered().title(" Map "), area);
        return;
    };
    // What arrived is bounded already (see `guard`); drawing bounds itself again so that no
    // welcome, however it was made, can make a frame slow.
    let pts = &w.map.points[..w.map.points.len().min(guard::MAX_MAP_POINTS)];
    let Some(([lo_x, hi_x], [lo_y, hi_y])) = extent(pts) else {
        frame.render_widget(Block::bordered().title(" Map "), area);
        return;
    };
    let pad_x = ((hi_x - lo_x) * 0.1).max(0.2);
    let pad_y = ((hi_y - lo_y) * 0.1).max(0.2);
    let sectors = &w.map.sectors[..w.map.sectors.len().min(guard::MAX_SECTORS)];
    let views = c.view.as_ref().map(|v| v.sectors.as_slice()).unwrap_or_default();
    let selected = c.sector.min(sectors.len().saturating_sub(1));
    let canvas = Canvas::default()
        .block(Block::bordered().title(map_title(&w.map.line_name, area.width)))
        .marker(Marker::Braille)
        .x_bounds([lo_x - pad_x, hi_x + pad_x])
        .y_bounds([lo_y - pad_y, hi_y + pad_y])
        .paint(move |ctx| {
            let mut segments = guard::MAX_MAP_SEGMENTS;
            // The selected sector last, so its label is on top where labels crowd.
            let order = (0..sectors.len()).filter(|i| *i != selected).chain(std::iter::once(selected));
            for i in order {
                let Some(s) = sectors.get(i) else { continue };
                let v = views.iter().take(guard::MAX_SECTORS).find(|v| v.id == s.id);
                let tension = v.map_or(0.0, |v| v.tension);
                let colour = if i == selected { Color::White } else { tension_colour(tension) };
                let (a, b) = (s.points.0 as usize, s.points.1 as usize);
                let end = b.min(pts.len() - 1).min(a.saturating_add(segments));
                for k in a..end {
                    let ((y1, x1), (y2, x2)) = (pts[k], pts[k + 1]);
                    ctx.draw(&Stroke { x1, y1, x2, y2, color: colour });
                }
                segments -= end.saturating_sub(a);
                let mid = pts[(a / 2 + b / 2).min(pts.len() - 1)];
                let mut mark = String::new();
                if v.is_some_and(|v| v.peacekeepers > 0) {
                    mark.push('▲');
                }
                if v.is_some_and(|v| v.monitors > 0) {
                    mark.push('◉');
                }
                let label = if i == selected { format!("▶{}{mark}", i + 1) } else { format!("{}{mark}", i + 1) };
                ctx.print(mid.1, mid.0, Line::styled(label, Style::new().fg(colour)));
            }
        });
    frame.render_widget(canvas, area);
}

/// The longitudes' and latitudes' ranges of a line of (latitude, longitude) points, when it has
/// two points or more and they are all finite.
/// The map's title: the line's name, and the colours' meaning when there is room for it.
fn map_title(line: &str, width: u16) -> String {
    let full = format!(" {line} — tension: green low, red high ");
    if full.chars().count() + 2 <= width as usize { full } else { format!(" {line} ") }
}

fn extent(pts: &[(f64, f64)]) -> Option<([f64; 2], [f64; 2])> {
    if pts.len() < 2 {
        return None;
    }
    let (mut lo_x, mut hi_x, mut lo_y, mut hi_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (lat, lon) in pts {
        lo_x = lo_x.min(*lon);
        hi_x = hi_x.max(*lon);
        lo_y = lo_y.min(*lat);
        hi_y = hi_y.max(*lat);
    }
    let finite = [lo_x, hi_x, lo_y, hi_y].iter().all(|x| x.is_finite()) && (hi_x - lo_x).is_finite();
    (finite && (hi_y - lo_y).is_finite()).then_some(([lo_x, hi_x], [lo_y, hi_y]))
}

fn draw_sector(frame: &mut Frame, area: Rect, c: &Client) {
    let Some(w) = &c.welcome else { return };
    let Some(s) = w.map.sectors.get(c.sector.min(w.map.sectors.len().saturating_sub(1))) else { return };
    let v = c.view.as_ref().and_then(|v| v.sectors.iter().find(|x| x.id == s.id));
    let mut lines =
        vec![Line::styled(format!("{} ({:.0} km)", s.name, s.length_km), Style::new().add_modifier(Modifier::BOLD))];
    // In a narrow box, shorter words on more lines: every figure whole.
    let narrow = area.width < 60;
    if let Some(v) = v {
        let tension = Span::styled(format!("{:.2}", v.tension), Style::new().fg(tension_colour(v.tension)));
        if narrow {
            lines.push(Line::from(vec![
                Span::raw("Tension "),
                tension,
                Span::raw(format!(" · {} recorded", v.recorded_last_turn)),
            ]));
            lines.push(Line::raw(format!("▲ {} troops · ◉ {} monitors", v.peacekeepers, v.monitors)));
            lines.push(Line::raw(format!("{} incidents last turn", v.incidents_last_turn)));
        } else {
            lines.push(Line::from(vec![
                Span::raw("Tension "),
                tension,
                Span::raw(format!("   Recorded violations last turn {}", v.recorded_last_turn)),
            ]));
            lines.push(Line::raw(format!(
                "▲ troops deployed {}   ◉ monitors {}   incidents {}",
                v.peacekeepers, v.monitors, v.incidents_last_turn
            )));
        }
    }
    if let Some(own) = c.view.as_ref().and_then(|v| v.briefing.own.as_ref()) {
        let here: Vec<String> =
            own.contingents.iter().filter(|x| x.3 == s.id).map(|x| format!("{} ({} {})", x.0, x.2, x.1)).collect();
        if !here.is_empty() {
            lines.push(Line::raw(format!("Yours here: {}", here.join(", "))));
        }
    }
    let title = format!(" Sector {}/{} (←/→) ", c.sector + 1, w.map.sectors.len());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(Block::bordered().title(title)), area);
}

fn tab_name(t: Tab) -> &'static str {
    match t {
        Tab::Story => "Story",
        Tab::Goals => "Goals",
        Tab::Orders => "Orders",
        Tab::Seats => "Seats",
        Tab::WhiteCell => "White cell",
        Tab::Chat => "Chat",
    }
}

fn draw_panel(frame: &mut Frame, area: Rect, c: &Client) {
    let tabs = c.tabs();
    let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let selected = tabs.iter().position(|t| *t == c.tab).unwrap_or(0);
    frame.render_widget(
        Tabs::new(tabs.iter().map(|t| tab_name(*t)))
            .select(selected)
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
        head,
    );
    match c.tab {
        Tab::Story => draw_story(frame, rest, c),
        Tab::Goals => draw_goals(frame, rest, c),
        Tab::Orders => draw_orders(frame, rest, c),
        Tab::Seats => draw_seats(frame, rest, c),
        Tab::WhiteCell => draw_white_cell(frame, rest, c),
        Tab::Chat => draw_chat(frame, rest, c),
    }
}

/// The story of a turn, summary first: the latest verdicts and announcements, then how escalation
/// moved and why, each sector's figures, the turn's events and its worst incidents; or, when asked
/// for, a page of its incidents.
fn draw_story(frame: &mut Frame, area: Rect, c: &Client) {
    let narrow = area.width < 60;
    let mut lines: Vec<Line> = Vec::new();
    for e in c.events.iter().rev().take(4) {
        lines.push(Line::styled(e.clone(), Style::new().fg(Color::Cyan)));
    }
    if let Some(v) = &c.view {
        for n in v.notices.iter().rev().take(2) {
            lines.push(Line::styled(format!("📣 {n}"), Style::new().fg(Color::Magenta)));
        }
    }
    let title = match (c.shown_story(), &c.page) {
        (Some(s), Some(p)) if p.turn == s.turn => {
            story_page(&mut lines, p);
            let keys = if narrow { "i I" } else { "i next, I back" };
            format!(" Turn {}: incidents, page {} of {} ({keys}) ", s.turn, p.page + 1, p.pages)
        }
        (Some(s), _) => {
            story_summary(&mut lines, s);
            let keys = if narrow { "< > i ↑↓" } else { "< > turns, i incidents, ↑↓ scroll" };
            format!(" Turn {} story ({keys}) ", s.turn)
        }
        (None, _) => {
            let asked = c.story_turn.map_or_else(
                || "Nothing yet: the story of each turn comes when it is resolved.".to_string(),
                |t| format!("Asking the server for turn {t}…"),
            );
            lines.push(Line::raw(asked));
            " Story ".to_string()
        }
    };
    frame.render_widget(scrolled(lines, c, title), area);
}

/// The summary of a turn: the headline, the causes, the sectors, the events, the worst incidents.
fn story_summary<'a>(lines: &mut Vec<Line<'a>>, s: &'a crate::protocol::TurnStory) {
    lines.push(Line::styled(s.headline.clone(), Style::new().add_modifier(Modifier::BOLD)));
    lines.push(Line::styled(
        match s.incidents {
            0 => "No incident you may read this turn.".to_string(),
            n => format!(
                "{n} incidents you may read: i shows them, {} to a page.",
                crate::record::story::INCIDENTS_PER_PAGE
            ),
        },
        Style::new().fg(Color::DarkGray),
    ));
    if !s.causes.is_empty() {
        lines.push(Line::styled("Why escalation moved:", Style::new().fg(Color::DarkGray)));
    }
    for cause in &s.causes {
        lines.push(Line::raw(format!("  {:+.4} {}", cause.change, cause.text)));
    }
    lines.push(Line::styled("Sectors (recorded · tension · change):", Style::new().fg(Color::DarkGray)));
    for x in &s.sectors {
        let all = x.violations.map_or_else(String::new, |n| format!(" · {n} in all"));
        lines.push(Line::from(vec![
            Span::styled(format!("  {}: ", x.name), Style::new().fg(tension_colour(x.tension))),
            Span::raw(format!("{} rec · {:.2} · {:+.2}{all}", x.recorded, x.tension, x.tension_change)),
        ]));
    }
    if !s.events.is_empty() {
        lines.push(Line::styled("What happened:", Style::new().fg(Color::DarkGray)));
    }
    for e in &s.events {
        lines.push(entry_line(e));
    }
    if !s.worst.is_empty() {
        lines.push(Line::styled("Worst incidents:", Style::new().fg(Color::DarkGray)));
    }
    for e in &s.worst {
        lines.push(entry_line(e));
    }
}

fn story_page<'a>(lines: &mut Vec<Line<'a>>, p: &'a crate::protocol::IncidentPage) {
    for e in &p.entries {
        lines.push(entry_line(e));
    }
}

/// One entry of the trace: its day, and its text coloured by what it is.
fn entry_line(e: &crate::record::SeatEntry) -> Line<'_> {
    let style = match e.rule.as_str() {
        "message" | "private" => Style::new().fg(Color::Yellow),
        "violation" => Style::new().fg(Color::Red),
        "ceasefire" => Style::new().fg(Color::LightRed).add_modifier(Modifier::BOLD),
        _ => Style::new(),
    };
    Line::from(vec![
        Span::styled(format!("d{} ", e.day), Style::new().fg(Color::DarkGray)),
        Span::styled(e.text.clone(), style),
    ])
}

fn draw_orders(frame: &mut Frame, area: Rect, c: &Client) {
    let Some(v) = &c.view else { return };
    let [list, advice] = Layout::vertical([Constraint::Min(4), Constraint::Length(6)]).areas(area);
    let draft = v.draft.clone().unwrap_or_default();
    let mut items: Vec<ListItem> = draft
        .orders
        .iter()
        .map(|d| ListItem::new(format!("#{} {} (cost {})", d.id, form::describe(&d.order, c.welcome.as_ref()), d.cost)))
        .collect();
    if items.is_empty() {
        items.push(ListItem::new("No orders yet: press n to build one, a to take the advisor's."));
    }
    let status = if draft.locked { "LOCKED (u to unlock)" } else { "open (l to lock)" };
    let title = format!(" Your orders — {status}, spent {} ", spent(&draft));
    let mut state = ListState::default().with_selected(Some(c.line.min(draft.orders.len().saturating_sub(1))));
    frame.render_stateful_widget(
        List::new(items)
            .block(Block::bordered().title(title))
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
        list,
        &mut state,
    );
    let mut lines: Vec<Line> =
        c.events.iter().rev().take(1).map(|e| Line::styled(e.clone(), Style::new().fg(Color::Cyan))).collect();
    for o in v.options.iter().flat_map(|o| &o.advice).take(4) {
        lines.push(Line::raw(format!("· {}", form::describe(o, c.welcome.as_ref()))));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Last verdict · advisor suggests (a) ")),
        advice,
    );
}

fn draw_seats(frame: &mut Frame, area: Rect, c: &Client) {
    let Some(v) = &c.view else { return };
    let mut lines: Vec<Line> = v
        .seats
        .iter()
        .map(|s| {
            let who = if s.bot { "bot".to_string() } else { format!("{} connected", s.connected) };
            let lock = if s.locked { "locked" } else { "drafting" };
            let style = if s.locked { Style::new().fg(Color::Green) } else { Style::new() };
            Line::styled(format!("{:<28} {:<9} {who}", s.name, lock), style)
        })
        .collect();
    lines.push(Line::raw(""));
    for m in &v.briefing.mandates {
        lines.push(Line::styled(format!("Mandate: {m}"), Style::new().fg(Color::Cyan)));
    }
    for (sector, n) in &v.briefing.recorded {
        lines.push(Line::raw(format!("Recorded last turn in {sector}: {n}")));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Seats and the public picture ")),
        area,
    );
}

/// The debrief at game over: why it ended and the escalation turn by turn under the map; the
/// ranking and each seat's objectives with their record in the panel.
fn draw_debrief(frame: &mut Frame, under_map: Rect, panel: Rect, c: &Client, d: &crate::protocol::Debrief) {
    use ratatui::widgets::Sparkline;
    let bars: Vec<u64> = d.escalation.iter().map(|x| (x.clamp(0.0, 1.0) * 1000.0).round() as u64).collect();
    let peak = d.escalation.iter().copied().fold(0.0f64, f64::max);
    let [why, spark] = Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(under_map);
    frame.render_widget(
        Paragraph::new(d.ended.clone()).wrap(Wrap { trim: true }).block(Block::bordered().title(" Why it ended ")),
        why,
    );
    frame.render_widget(
        Sparkline::default()
            .data(&bars)
            .max(1000)
            .block(Block::bordered().title(format!(" Escalation, {} turns (peak {peak:.2}) ", d.turns_played))),
        spark,
    );
    let me = c.view.as_ref().and_then(|v| v.seat.clone());
    let mut lines: Vec<Line> = Vec::new();
    for (place, s) in d.ranking.iter().enumerate() {
        let style = if me.as_deref() == Some(s.id.as_str()) {
            Style::new().add_modifier(Modifier::BOLD).fg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        lines.push(Line::styled(format!("{}. {} — {} points", place + 1, s.name, s.score), style));
        for o in &s.objectives {
            let secret = if o.public { "" } else { " (secret)" };
            lines.push(Line::raw(format!(
                "   met {} of {} turns, +{} each{secret}: {}",
                o.turns_met, d.turns_played, o.weight, o.text
            )));
        }
    }
    frame.render_widget(scrolled(lines, c, " Debrief: the ranking and the record (↑↓ scroll) "), panel);
}

/// A bordered panel of lines that ↑↓ scroll, wrapped with their indentation kept.
fn scrolled<'a>(lines: Vec<Line<'a>>, c: &Client, title: impl Into<Line<'a>>) -> Paragraph<'a> {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((c.scroll.min(u16::MAX as usize) as u16, 0))
        .block(Block::bordered().title(title))
}

/// A player's goals: each objective with whether it holds now and what it is worth, the
/// guarantees offered with what each part would do, its standing postures, and the premise.
fn draw_goals(frame: &mut Frame, area: Rect, c: &Client) {
    use crate::protocol::GoalStatus;
    let Some(v) = &c.view else { return };
    let mut lines: Vec<Line> = Vec::new();
    for o in v.goals.iter().flat_map(|g| &g.objectives) {
        let (mark, style) = match o.status {
            GoalStatus::Met => ("✔ met    ", Style::new().fg(Color::Green)),
            GoalStatus::AtRisk => ("! at risk", Style::new().fg(Color::Yellow)),
            GoalStatus::Missed => ("✘ missed ", Style::new().fg(Color::Red)),
        };
        let secret = if o.public { "" } else { " (secret)" };
        lines.push(Line::styled(format!("{mark} +{}/turn{secret}: {}", o.weight, o.text), style));
    }
    for offer in v.goals.iter().flat_map(|g| &g.offers) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{} offers a guarantee ({}):", offer.from, offer.id),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for part in &offer.components {
            lines.push(Line::raw(format!("  · {part}")));
        }
    }
    let postures = v.goals.iter().flat_map(|g| &g.postures).collect::<Vec<_>>();
    if !postures.is_empty() {
        lines.push(Line::raw(""));
        let list: Vec<String> = postures.iter().map(|(s, p)| format!("{s} {p:.2}")).collect();
        lines.push(Line::raw(format!("Your pressure on the line (secret): {}", list.join(", "))));
    }
    if let Some(w) = &c.welcome {
        lines.push(Line::raw(""));
        lines.push(Line::styled(w.premise.clone(), Style::new().add_modifier(Modifier::ITALIC)));
        rule_book(&mut lines, w);
    }
    frame.render_widget(scrolled(lines, c, " Your goals (↑↓ scroll) "), area);
}

/// The bodies that vote on mandates and the mandates they may give, as the welcome tells them.
fn rule_book<'a>(lines: &mut Vec<Line<'a>>, w: &'a crate::protocol::Welcome) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    for b in &w.bodies {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("{} decides: {}", b.name, b.rule), bold));
        lines.push(Line::raw(format!("  members: {}", b.members.join(", "))));
    }
    for t in &w.mandates {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Mandate {}: costs {}, lasts {} turns", t.name, t.cost, t.duration_turns),
            bold,
        ));
        lines.push(Line::raw(format!("  {}; takes {}", t.kind, t.contingents.join(", "))));
        for (severity, responses) in &t.responses {
            let permits = if responses.is_empty() { "nothing".to_string() } else { responses.join(", ") };
            lines.push(Line::raw(format!("  {severity}: {permits}")));
        }
    }
}

fn draw_white_cell(frame: &mut Frame, area: Rect, c: &Client) {
    let Some(o) = c.view.as_ref().and_then(|v| v.omniscient.as_ref()) else {
        frame.render_widget(Paragraph::new("Not for this role.").block(Block::bordered()), area);
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    for (id, words) in &o.awaiting {
        lines.push(Line::styled(
            format!("Waiting for you: {words}  (:approve {id} [size] or :skip {id})"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    for cf in &o.counterfactuals {
        lines.push(Line::styled(
            format!("Turn {} as played against without your overrides ({}):", cf.turn, cf.overrides.join("; ")),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ));
        for (what, played, without) in &cf.differences {
            lines.push(Line::styled(format!("  {what}: {played} (without: {without})"), Style::new().fg(Color::Cyan)));
        }
    }
    for (seat, d) in &o.drafts {
        let orders: Vec<String> = d.orders.iter().map(|x| form::describe(&x.order, c.welcome.as_ref())).collect();
        lines.push(Line::styled(
            format!("{seat}{}: {}", if d.locked { " (locked)" } else { "" }, orders.join("; ")),
            Style::new().fg(Color::Yellow),
        ));
    }
    for l in o.log.iter().rev() {
        lines.push(Line::styled(l.clone(), Style::new().fg(Color::Magenta)));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).scroll((c.scroll.min(u16::MAX as usize) as u16, 0)).block(
            Block::bordered().title(" White cell: every draft and the log (the story tab tells the whole truth) "),
        ),
        area,
    );
}

/// The chat: conversations with unread marks on the left; the one chosen on the right, its
/// deals under it, and the line being typed or the offer being made.
fn draw_chat(frame: &mut Frame, area: Rect, c: &Client) {
    use super::chat::{Conversation, asks, conversation, conversations};
    let Some(v) = &c.view else { return };
    let list = conversations(v, c.welcome.as_ref());
    let selected = c.chat.selected.min(list.len().saturating_sub(1));
    let shown = list.get(selected).map(|(k, _)| k.clone()).unwrap_or(Conversation::Public);
    let narrow = area.width < 60;
    let (left, right) = if narrow {
        (None, area)
    } else {
        let [l, r] = Layout::horizontal([Constraint::Length(24), Constraint::Min(20)]).areas(area);
        (Some(l), r)
    };
    if let Some(left) = left {
        let items: Vec<ListItem> = list
            .iter()
            .map(|(k, label)| {
                let unread = c.unread.get(k).copied().unwrap_or(0);
                let mark = if unread > 0 { format!("• {label} ({unread})") } else { format!("  {label}") };
                let style = if unread > 0 { Style::new().add_modifier(Modifier::BOLD) } else { Style::new() };
                ListItem::new(Line::styled(mark, style))
            })
            .collect();
        let mut state = ListState::default().with_selected(Some(selected));
        let rules = v.talk.as_ref().map_or("", |t| t.rules.words());
        frame.render_stateful_widget(
            List::new(items)
                .highlight_style(Style::new().add_modifier(Modifier::REVERSED))
                .block(Block::bordered().title(format!(" {rules} "))),
            left,
            &mut state,
        );
    }
    let me = v.seat.as_deref();
    let name = |id: &str| form::name_of(c.welcome.as_ref(), id);
    let mut lines: Vec<Line> = Vec::new();
    for item in v.press.iter().filter(|i| conversation(i, me) == shown) {
        let style = if Some(item.from.as_str()) == me { Style::new().fg(Color::Cyan) } else { Style::new() };
        let deal = item.deal.map_or(String::new(), |d| format!(" [deal {d}]"));
        lines.push(Line::styled(format!("t{} {}{deal}: {}", item.turn, name(&item.from), item.text), style));
    }
    let concerns = |d: &crate::negotiation::Deal| match &shown {
        Conversation::Seat(s) => d.party(s),
        Conversation::Pair(a, b) => d.party(a) && d.party(b),
        Conversation::Public | Conversation::Channel(_) => false,
    };
    for d in v.talk.iter().flat_map(|t| &t.deals).filter(|d| concerns(&d.deal)) {
        let style = match d.deal.state {
            crate::negotiation::DealState::Kept => Style::new().fg(Color::Green),
            crate::negotiation::DealState::Breached { .. } => Style::new().fg(Color::Red),
            _ => Style::new().fg(Color::Yellow),
        };
        lines.push(Line::styled(format!("Deal {} ({}): {}", d.deal.id, d.deal.state.word(), d.words), style));
    }
    if let Some(form) = c.chat.offer.as_ref().filter(|f| !f.give.is_empty()) {
        lines.push(Line::raw(""));
        let give: Vec<String> = form.give.iter().map(|o| form::describe(o, c.welcome.as_ref())).collect();
        lines.push(Line::styled(
            format!("Offer to {}: you {} — if they (↑↓, Enter to send, Esc to drop):", name(&form.to), give.join(", ")),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for (i, (_, words)) in asks(v, c.welcome.as_ref()).iter().enumerate() {
            let mark = if i == form.cursor { "▶ " } else { "  " };
            lines.push(Line::raw(format!("{mark}{words}")));
        }
    }
    let keys = match (&c.chat.typing, c.role()) {
        (Some(t), _) if c.chat.opening => format!(" channel name: seats > {t}▏ (Enter open, Esc cancel) "),
        (Some(t), _) => format!(" > {t}▏ (Enter send, Esc cancel) "),
        (None, Role::Player) => " ↑↓ conversation, m write, c channel, f offer, y/x accept/reject ".into(),
        (None, _) => " ↑↓ conversation ".into(),
    };
    let label = list.get(selected).map_or("", |(_, l)| l.as_str());
    let title = if narrow { format!(" {label} ") } else { format!(" {label}:{keys}") };
    let keep = (right.height as usize).saturating_sub(3);
    let skip = lines.len().saturating_sub(keep);
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    let mut block = Block::bordered().title(title);
    if narrow {
        block = block.title_bottom(keys);
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block), right);
}

fn draw_keys(frame: &mut Frame, area: Rect, c: &Client) {
    let keys = match c.role() {
        Role::Player => "q quit ? help Tab panel ←→ sector n order a advice d retract l lock u unlock",
        Role::Facilitator => "q quit  ? help  Tab panel  ←→ sector  s start  : command (pause, extend 60, …)",
        _ => "q quit  ? help  Tab panel  ←→ sector  ↑↓ scroll",
    };
    frame.render_widget(Paragraph::new(keys).style(Style::new().add_modifier(Modifier::REVERSED)), area);
}

fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn draw_builder(frame: &mut Frame, area: Rect, c: &Client) {
    let (title, menu) = c.builder_menu();
    let Some(b) = &c.builder else { return };
    let r = centred(area, 72, (menu.len().min(16) as u16 + 4).max(5));
    frame.render_widget(Clear, r);
    let block = Block::bordered().title(format!(" {title} ")).title_bottom(" Enter choose · Esc cancel ");
    if menu.is_empty() && b.kind.is_some() {
        frame.render_widget(
            Paragraph::new(format!("{}▏", b.text))
                .wrap(Wrap { trim: false })
                .block(block.title_bottom(" type, then Enter ")),
            r,
        );
        return;
    }
    let items: Vec<ListItem> = menu.iter().map(|(l, _)| ListItem::new(l.clone())).collect();
    let mut state = ListState::default().with_selected(Some(b.cursor));
    frame.render_stateful_widget(
        List::new(items)
            .block(block)
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .highlight_symbol("▶ "),
        r,
        &mut state,
    );
}

fn draw_help(frame: &mut Frame, area: Rect, c: &Client) {
    let mut text = vec![
        Line::styled("Truce — keys", Style::new().add_modifier(Modifier::BOLD)),
        Line::raw(""),
        Line::raw("Tab / Shift-Tab   switch panel (story, goals, orders, seats)"),
        Line::raw("← → or [ ]        select a sector on the map"),
        Line::raw("< > (or , .)      the story of the turn before / after"),
        Line::raw("i / I             the turn's incidents, the next / the previous page"),
        Line::raw("↑ ↓ PgUp PgDn     scroll, or move in a list"),
        Line::raw("r                 ask the server for the full picture again"),
        Line::raw("q or Ctrl-C       quit"),
    ];
    match c.role() {
        Role::Player => text.extend([
            Line::raw("n                 build a new order from menus (Esc cancels)"),
            Line::raw("a                 hand in what your advisor (your nation's bot) suggests"),
            Line::raw("d                 retract the selected order (orders panel)"),
            Line::raw("l / u             lock your orders for this turn / unlock them to revise"),
            Line::raw(""),
            Line::raw("Each turn: talk, propose and vote, pledge and deploy, then lock. When every"),
            Line::raw("seat has locked (or the clock runs out) the turn resolves and the story"),
            Line::raw("panel tells what happened and why."),
        ]),
        Role::Facilitator => text.extend([
            Line::raw("s                 start the game (in the lobby)"),
            Line::raw(":                 type a command: pause, resume, extend 60, shorten 60,"),
            Line::raw("                  end-phase, inject ID, announce TEXT, bot SEAT, human SEAT,"),
            Line::raw("                  kick SEAT, save"),
        ]),
        _ => {}
    }
    text.push(Line::raw(""));
    text.push(Line::raw("Any key closes this help."));
    let r = centred(area, 80, text.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(text).block(Block::bordered().title(" Help ")), r);
}

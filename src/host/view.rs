//! What each connection may see: the welcome, the full view and its patches, the stories of turns,
//! and sending them when they change.
//! A player's view is built from its own seat's briefing only; nothing of another seat's secrets
//! enters it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::{Connections, Notices, Outgoing, Pending, PhaseClock, Replaying};
use crate::protocol::{
    BodyInfo, Choices, MAX_SERVER_MESSAGE_BYTES, MapInfo, Omniscient, PROTOCOL_VERSION, ProposalView, Role, SeatGoals,
    SeatOptions, SeatStatus, SectorInfo, SectorView, ServerMessage, TemplateInfo, TurnStory, View, ViewPatch, Welcome,
    encode,
};
use crate::record::story::{self, Reader};
use crate::record::{History, Trace, briefing_for};
use crate::rules::{Clock, Controller, OrderBook, Phase};
use crate::world::{
    Contingent, Inject, Institution, Key, Label, LineGeometry, MandateTemplate, Model, MonitoringAsset, Nation,
    ScenarioInfo, Sector, StableId, Tension,
};

/// Most notices a view carries (the newest).
const NOTICES_IN_VIEW: usize = 50;
/// Omniscient views change with every draft; they are resent at most this often.
const OMNISCIENT_EVERY: Duration = Duration::from_millis(500);

/// What the welcome is made from.
#[derive(SystemParam)]
pub struct WelcomeParams<'w, 's> {
    info: Res<'w, ScenarioInfo>,
    line: Res<'w, LineGeometry>,
    phase: Res<'w, State<Phase>>,
    sectors: Query<'w, 's, (&'static StableId, &'static Key, &'static Label, &'static Sector)>,
    nations: Query<'w, 's, (&'static StableId, &'static Key, &'static Label, &'static Controller), With<Nation>>,
    institutions: Query<'w, 's, (&'static StableId, &'static Key, &'static Label), With<Institution>>,
    templates: Query<'w, 's, (&'static StableId, &'static Key, &'static Label), With<MandateTemplate>>,
    injects: Query<'w, 's, (&'static StableId, &'static Key, &'static Label), With<Inject>>,
    template_costs: Query<'w, 's, (&'static StableId, &'static Key, &'static MandateTemplate)>,
    bodies: Query<'w, 's, (&'static StableId, &'static Key, &'static Label, &'static Institution)>,
    templates_full: Query<'w, 's, (&'static StableId, &'static Key, &'static Label, &'static MandateTemplate)>,
    labels: Query<'w, 's, &'static Label>,
    model: Res<'w, Model>,
}

impl WelcomeParams<'_, '_> {
    /// Whether a seat is played by its bot now (in the lobby every seat is waiting, not a bot's).
    pub fn is_bot(&self, seat: &str) -> bool {
        *self.phase.get() != Phase::Lobby
            && self.nations.iter().any(|(_, k, _, c)| k.0 == seat && *c == Controller::Bot)
    }
}

fn sorted<'a>(items: impl Iterator<Item = (&'a StableId, &'a Key, &'a Label)>) -> Vec<(String, String)> {
    let mut v: Vec<(StableId, String, String)> = items.map(|(s, k, l)| (*s, k.0.clone(), l.0.clone())).collect();
    v.sort_by_key(|(s, ..)| *s);
    v.into_iter().map(|(_, k, l)| (k, l)).collect()
}

/// The game's fixed facts for a newcomer.
pub fn welcome(p: &WelcomeParams, role: Role, seat: Option<String>) -> Welcome {
    let mut sectors: Vec<(StableId, SectorInfo)> = p
        .sectors
        .iter()
        .map(|(s, k, l, sec)| {
            (*s, SectorInfo { id: k.0.clone(), name: l.0.clone(), points: sec.points, length_km: sec.length_km })
        })
        .collect();
    sectors.sort_by_key(|(s, _)| *s);
    Welcome {
        version: PROTOCOL_VERSION,
        scenario: p.info.id.clone(),
        title: p.info.name.clone(),
        premise: p.info.description.clone(),
        turns: p.info.turns,
        turn_days: p.info.turn_days,
        role,
        seat,
        map: MapInfo {
            line_name: p.line.name.clone(),
            length_km: p.line.length_km,
            points: p.line.points.iter().map(|g| (g.lat, g.lon)).collect(),
            sectors: sectors.into_iter().map(|(_, s)| s).collect(),
        },
        nations: sorted(p.nations.iter().map(|(s, k, l, _)| (s, k, l))),
        choices: Choices {
            institutions: sorted(p.institutions.iter()),
            templates: sorted(p.templates.iter()),
            injects: if role == Role::Facilitator { sorted(p.injects.iter()) } else { Vec::new() },
            costs: costs(p),
        },
        bodies: bodies(p),
        mandates: mandates(p),
    }
}

/// Every voting body, in the scenario's order: its members by name and its rule in words.
fn bodies(p: &WelcomeParams) -> Vec<BodyInfo> {
    use crate::world::InstitutionMember;
    let mut v: Vec<(StableId, BodyInfo)> = p
        .bodies
        .iter()
        .map(|(s, k, l, i)| {
            let members: Vec<(String, String)> = i
                .members
                .iter()
                .map(|m| match m {
                    InstitutionMember::Nation(e) => {
                        let key = p.nations.get(*e).map_or_else(|_| String::new(), |(_, k, _, _)| k.0.clone());
                        (key, p.labels.get(*e).map_or_else(|_| String::new(), |l| l.0.clone()))
                    }
                    InstitutionMember::Scripted { id, name, .. } => (id.clone(), name.clone()),
                })
                .collect();
            let rule = rule_in_words(&i.rule, &members);
            (
                *s,
                BodyInfo {
                    id: k.0.clone(),
                    name: l.0.clone(),
                    members: members.into_iter().map(|(_, n)| n).collect(),
                    rule,
                },
            )
        })
        .collect();
    v.sort_by_key(|(s, _)| *s);
    v.into_iter().map(|(_, b)| b).collect()
}

/// A body's rule in words, naming its vetoes.
fn rule_in_words(rule: &crate::scenario::model::DecisionRule, members: &[(String, String)]) -> String {
    use crate::scenario::model::DecisionRule as R;
    match rule {
        R::QualifiedMajority { yes, vetoes } => {
            let names: Vec<&str> = vetoes
                .iter()
                .map(|v| members.iter().find(|(k, _)| k == v).map_or(v.as_str(), |(_, n)| n.as_str()))
                .collect();
            let veto =
                if names.is_empty() { String::new() } else { format!(", and no veto from {}", names.join(", ")) };
            format!("at least {yes} of its {} members vote yes{veto}", members.len())
        }
        R::Unanimity => "every member votes yes (an abstention blocks)".into(),
        R::Consensus => "no member votes no (abstentions do not block)".into(),
        R::NoVote => "no vote: whoever proposes authorises".into(),
    }
}

/// Every mandate template, in the scenario's order, in words.
fn mandates(p: &WelcomeParams) -> Vec<TemplateInfo> {
    let mut v: Vec<(StableId, TemplateInfo)> = p
        .templates_full
        .iter()
        .map(|(s, k, l, t)| {
            let info = TemplateInfo {
                id: k.0.clone(),
                name: l.0.clone(),
                kind: t.kind.words().to_string(),
                cost: t.capital_cost,
                duration_turns: t.duration_turns,
                responses: t
                    .responses
                    .iter()
                    .map(|(sev, rs)| (sev.words().to_string(), rs.iter().map(|r| r.words().to_string()).collect()))
                    .collect(),
                contingents: t.contingent_kinds.iter().map(|c| format!("{c:?}").to_lowercase()).collect(),
            };
            (*s, info)
        })
        .collect();
    v.sort_by_key(|(s, _)| *s);
    v.into_iter().map(|(_, t)| t).collect()
}

fn costs(p: &WelcomeParams) -> Vec<(String, i64)> {
    let c = &p.model.0.costs;
    let mut v: Vec<(String, i64)> = [
        ("private message", 0),
        ("public statement", c.public_statement),
        ("vote", 0),
        ("pledge", c.pledge),
        ("deployment", c.deploy),
        ("withdrawal", c.withdraw),
        ("guarantee offer", c.offer_guarantee),
        ("acceptance of a guarantee", 0),
        ("rejection of a guarantee", 0),
        ("sanctions", c.sanctions),
        ("lifting of sanctions", c.sanctions),
        ("intelligence sharing", c.share_intelligence),
        ("posture", 0),
        ("recommitment", c.recommit),
        ("recommitment with measures", c.recommit_with_measures),
        ("request for air support", c.request_air_support),
        ("accusation", c.accuse),
        ("refusal of troops", 0),
        ("consent to troops", 0),
        ("lobbying", c.lobby),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut templates: Vec<(StableId, String, i64)> =
        p.template_costs.iter().map(|(s, k, t)| (*s, k.0.clone(), t.capital_cost)).collect();
    templates.sort_by_key(|(s, ..)| *s);
    v.extend(templates.into_iter().map(|(_, k, c)| (format!("mandate {k}"), c)));
    v
}

/// The seat table as everyone may see it.
pub fn seat_table(world: &mut World) -> Vec<SeatStatus> {
    let lobby = *world.resource::<State<Phase>>().get() == Phase::Lobby;
    let connections = world.resource::<Connections>().clone();
    let book = world.resource::<OrderBook>().clone();
    let mut v: Vec<(StableId, SeatStatus)> = world
        .query_filtered::<(&StableId, &Key, &Label, &Controller), With<Nation>>()
        .iter(world)
        .map(|(s, k, l, c)| {
            (
                *s,
                SeatStatus {
                    id: k.0.clone(),
                    name: l.0.clone(),
                    locked: book.is_locked(&k.0),
                    bot: !lobby && *c == Controller::Bot,
                    connected: connections.in_seat(&k.0).count() as u32,
                },
            )
        })
        .collect();
    v.sort_by_key(|(s, _)| *s);
    v.into_iter().map(|(_, s)| s).collect()
}

/// The public picture of each sector: tension now, and last turn's recorded violations and
/// presence on the ground.
fn sector_views(world: &mut World) -> Vec<SectorView> {
    let last = world.resource::<History>().0.last().cloned();
    let mut monitors: std::collections::BTreeMap<Entity, i64> = Default::default();
    let all_sectors: Vec<Entity> = world.query_filtered::<Entity, With<Sector>>().iter(world).collect();
    for a in world.query::<&MonitoringAsset>().iter(world) {
        let list = if a.sectors.is_empty() { all_sectors.clone() } else { a.sectors.clone() };
        for s in list {
            *monitors.entry(s).or_default() += a.count;
        }
    }
    let mut troops: std::collections::BTreeMap<Entity, i64> = Default::default();
    for c in world.query::<&Contingent>().iter(world) {
        if let Some(s) = c.sector {
            *troops.entry(s).or_default() += c.size;
        }
    }
    let mut v: Vec<(StableId, SectorView)> = world
        .query::<(Entity, &StableId, &Key, &Tension)>()
        .iter(world)
        .map(|(e, s, k, t)| {
            let summary = last.as_ref().and_then(|l| l.sectors.iter().find(|x| x.id == k.0));
            (
                *s,
                SectorView {
                    id: k.0.clone(),
                    tension: t.0,
                    recorded_last_turn: summary.map_or(0, |x| x.violations_recorded),
                    incidents_last_turn: summary.map_or(0, |x| x.incidents),
                    peacekeepers: troops.get(&e).copied().unwrap_or(0),
                    monitors: monitors.get(&e).copied().unwrap_or(0),
                },
            )
        })
        .collect();
    v.sort_by_key(|(s, _)| *s);
    v.into_iter().map(|(_, s)| s).collect()
}

/// Everything the connection of `role` (and `seat`) may see now.
pub fn build_view(world: &mut World, role: Role, seat: Option<&str>) -> View {
    let seat = if role == Role::Player { seat } else { None };
    let phase = *world.resource::<State<Phase>>().get();
    let notices = {
        let n = &world.resource::<Notices>().public;
        n[n.len().saturating_sub(NOTICES_IN_VIEW)..].to_vec()
    };
    let omniscient = role.omniscient().then(|| omniscient(world));
    let last_turn = world.resource::<History>().0.last().map(|l| l.turn);
    let story = last_turn.and_then(|t| story::story(world, reader(role, seat), t));
    View {
        id: 0,
        turn: world.resource::<Clock>().turn,
        phase,
        clock: world.resource::<PhaseClock>().view(),
        role,
        seat: seat.map(str::to_string),
        briefing: briefing_for(world, seat),
        draft: seat.and_then(|s| world.resource::<OrderBook>().drafts.get(s).cloned()),
        seats: seat_table(world),
        sectors: sector_views(world),
        options: seat.map(|s| options(world, s, phase)),
        notices,
        omniscient,
        talk: Some(crate::negotiation::talk_view(world, reader(role, seat))),
        press: crate::negotiation::press_for(world, reader(role, seat), crate::negotiation::press::PRESS_IN_VIEW),
        goals: seat.map(|s| goals(world, s)),
        debrief: (phase == Phase::GameOver).then(|| debrief(world, role, seat)),
        story,
    }
}

/// Who a connection reads the trace as: the white cell (the facilitator), its seat's nation, or
/// the public.
pub(super) fn reader(role: Role, seat: Option<&str>) -> Reader<'_> {
    match role {
        Role::Facilitator => Reader::WhiteCell,
        Role::Player => Reader::seat(seat),
        Role::Observer | Role::Projector => Reader::Observer,
    }
}

/// The answer to a request for a turn's story.
pub fn story_reply(world: &World, role: Role, seat: Option<&str>, turn: u32) -> ServerMessage {
    match story::story(world, reader(role, seat), turn) {
        Some(s) => ServerMessage::Story(Box::new(shrunk_story(s))),
        None => ServerMessage::Refused { what: "story".into(), reason: format!("turn {turn} has not been resolved") },
    }
}

/// The answer to a request for a page of a turn's incidents.
pub fn incidents_reply(world: &World, role: Role, seat: Option<&str>, turn: u32, page: u32) -> ServerMessage {
    match story::incident_page(world, reader(role, seat), turn, page) {
        Some(p) => ServerMessage::Incidents(Box::new(p)),
        None => ServerMessage::Refused {
            what: "incidents".into(),
            reason: format!("turn {turn} has not been resolved or has no page {}", page + 1),
        },
    }
}

/// Menus answered, each kept until the next input is applied or the phase changes: a client that
/// asks for the same menu again and again costs a look-up, not the rules' check of every target.
#[derive(Resource, Default)]
pub struct Menus {
    /// Inputs applied so far (any seat's order, any command): each may change what is legal.
    pub inputs: u64,
    /// The last answer for each (seat, kind), with the moment it holds for.
    kept: std::collections::HashMap<(String, String), (MenuMoment, ServerMessage)>,
}

/// When a menu was worked out: inputs applied by then, the turn and the phase.
type MenuMoment = (u64, u32, Phase);

/// The answer to a request for the orders of one kind the seat may give now.
pub fn menu_reply(world: &mut World, seat: &str, kind: &str) -> ServerMessage {
    let turn = world.resource::<Clock>().turn;
    let phase = *world.resource::<State<Phase>>().get();
    world.init_resource::<Menus>();
    let when = (world.resource::<Menus>().inputs, turn, phase);
    let key = (seat.to_string(), kind.to_string());
    if let Some((at, reply)) = world.resource::<Menus>().kept.get(&key)
        && *at == when
    {
        return reply.clone();
    }
    let mut orders = crate::rules::menu::legal_orders(world, seat, kind);
    orders.truncate(crate::protocol::MAX_MENU_ORDERS);
    let reply = ServerMessage::Menu(Box::new(crate::protocol::MenuView { kind: kind.to_string(), turn, orders }));
    world.resource_mut::<Menus>().kept.insert(key, (when, reply.clone()));
    reply
}

/// A story within the size limit: the oldest events go first if it would not fit.
fn shrunk_story(mut s: TurnStory) -> TurnStory {
    while encode(&s).len() > MAX_SERVER_MESSAGE_BYTES / 2 && !s.events.is_empty() {
        let keep = s.events.len() / 2;
        s.events.drain(..s.events.len() - keep);
    }
    s
}

/// The debrief at game over: the ranking, each seat's record as `role` and `seat` may read it,
/// the escalation turn by turn, and why the game ended.
pub fn debrief(world: &mut World, role: Role, seat: Option<&str>) -> crate::protocol::Debrief {
    use crate::protocol::{Debrief, DebriefSeat, ObjectiveRecordView};
    let history = world.resource::<History>().0.clone();
    let mut ranking: Vec<DebriefSeat> = crate::rules::nations_in_order(world)
        .into_iter()
        .filter_map(|(e, key)| {
            let nation = world.get::<Nation>(e)?;
            let record = world.get::<crate::rules::ObjectiveRecord>(e).cloned().unwrap_or_default();
            let reads_all = role == Role::Facilitator || seat == Some(key.as_str());
            let objectives = nation
                .objectives
                .iter()
                .enumerate()
                .filter(|(_, o)| o.public || reads_all)
                .map(|(i, o)| ObjectiveRecordView {
                    text: o.text.clone(),
                    public: o.public,
                    weight: o.weight,
                    turns_met: record.0.get(i).copied().unwrap_or(0),
                })
                .collect();
            Some(DebriefSeat {
                name: world.get::<Label>(e).map_or_else(|| key.clone(), |l| l.0.clone()),
                score: world.get::<crate::rules::Score>(e).map_or(0, |s| s.0),
                id: key,
                objectives,
            })
        })
        .collect();
    // Best first; the sort is stable, so equal scores keep the scenario's order.
    ranking.sort_by_key(|s| std::cmp::Reverse(s.score));
    let turns_played = history.last().map_or(0, |t| t.turn);
    let trace = world.resource::<Trace>();
    let collapse = trace
        .entries
        .iter()
        .find(|e| e.rule == "ceasefire" && trace.text(e).starts_with("The ceasefire has collapsed"));
    let ended = match collapse {
        Some(e) => format!("Turn {}, day {}: {}", e.turn, e.day, trace.text(e)),
        None => {
            let last = history.last().map_or(0.0, |t| t.escalation);
            format!("The ceasefire held through all {turns_played} turns; escalation ended at {last:.2}.")
        }
    };
    Debrief { ended, turns_played, ranking, escalation: history.iter().map(|t| t.escalation).collect() }
}

/// A seat's goals as the world stands (docs/protocol.md, `SeatGoals`).
fn goals(world: &mut World, seat: &str) -> SeatGoals {
    use crate::protocol::{GoalStatus, ObjectiveStatus, OfferView};
    use crate::rules::conditions;
    let Some(me) = world.resource::<crate::world::Registry>().get(seat) else { return SeatGoals::default() };
    let Some(nation) = world.get::<Nation>(me).cloned() else { return SeatGoals::default() };
    let situation = conditions::assess(world);
    let fraying = world.resource::<crate::rules::Escalation>().ceasefire == crate::rules::Ceasefire::Fraying;
    let objectives = nation
        .objectives
        .iter()
        .map(|o| {
            let status = match conditions::holds(&o.goal, &situation) {
                false => GoalStatus::Missed,
                true if fraying && conditions::reads_the_ceasefire(&o.goal) => GoalStatus::AtRisk,
                true => GoalStatus::Met,
            };
            ObjectiveStatus { text: o.text.clone(), public: o.public, weight: o.weight, status }
        })
        .collect();
    let effects = world.resource::<crate::world::Model>().0.guarantees.clone();
    let name = |world: &World, e: Entity| world.get::<crate::world::Label>(e).map_or_else(String::new, |l| l.0.clone());
    let me_name = name(world, me);
    let offers = crate::world::in_stable_order::<crate::world::Guarantee>(world)
        .into_iter()
        .filter(|(_, g)| g.recipient == me && g.status == crate::scenario::model::GuaranteeStatus::Offered)
        .map(|(e, g)| OfferView {
            id: world.get::<crate::world::Key>(e).map_or_else(String::new, |k| k.0.clone()),
            from: name(world, g.guarantor),
            components: g
                .components
                .iter()
                .map(|c| crate::rules::guarantees::in_words(*c, &effects, &me_name))
                .collect(),
        })
        .collect();
    let standing = world.get::<crate::rules::Postures>(me).cloned().unwrap_or_default();
    let postures = crate::world::in_stable_order::<crate::world::Sector>(world)
        .into_iter()
        .filter(|(e, _)| {
            world.get::<crate::world::Forces>(*e).is_some_and(|f| f.0.iter().any(|(n, t)| *n == me && *t > 0))
        })
        .filter(|_| nation.doctrine.aggression > 0.0 || !standing.0.is_empty())
        .map(|(e, _)| (name(world, e), standing.0.get(&e).copied().unwrap_or(nation.doctrine.aggression)))
        .collect();
    SeatGoals { objectives, offers, postures }
}

/// The bot's orders for each seat this turn, worked out once per turn (not part of the game).
#[derive(Resource, Default)]
pub struct Advice {
    turn: u32,
    orders: std::collections::BTreeMap<String, Vec<crate::rules::Order>>,
    /// What the bots read of the world this turn, taken once for every seat's advice.
    outlook: Option<Arc<crate::bots::Outlook>>,
}

/// What `seat` can do now, and what its bot would do.
fn options(world: &mut World, seat: &str, phase: Phase) -> SeatOptions {
    use crate::scenario::model::NationFlag;
    let Some(me) = world.resource::<crate::world::Registry>().get(seat) else { return SeatOptions::default() };
    let belligerent = world.get::<Nation>(me).is_some_and(|n| n.has(NationFlag::Belligerent));
    let has_contingents = world.query::<&Contingent>().iter(world).any(|c| c.owner == me);
    let has_offers = world
        .query::<&crate::world::Guarantee>()
        .iter(world)
        .any(|g| g.recipient == me && g.status == crate::scenario::model::GuaranteeStatus::Offered);
    let proposals: Vec<ProposalView> = world
        .get_resource::<crate::institutions::Proposals>()
        .map(|p| {
            p.open
                .iter()
                .map(|p| ProposalView {
                    id: p.id,
                    proposer: p.proposer.clone(),
                    institution: p.institution.clone(),
                    template: p.template.clone(),
                    sectors: p.sectors.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut kinds = vec!["private message", "public statement", "mandate proposal"];
    if !proposals.is_empty() {
        kinds.push("vote");
    }
    if has_contingents {
        kinds.extend(["pledge", "deployment", "withdrawal"]);
    }
    kinds.push("guarantee offer");
    if has_offers {
        kinds.extend(["acceptance of a guarantee", "rejection of a guarantee"]);
    }
    kinds.extend(["sanctions", "lifting of sanctions", "intelligence sharing"]);
    if belligerent {
        kinds.extend(["posture", "recommitment"]);
    }
    kinds.extend(["request for air support", "accusation", "lobbying"]);
    if world.get::<Nation>(me).is_some_and(|n| n.has(NationFlag::Host)) {
        kinds.extend(["refusal of troops", "consent to troops"]);
    }
    let (advice, proposals) = if phase == Phase::Orders {
        let advice = advice(world, seat, me);
        (
            still_acceptable(world, seat, me, advice),
            proposals.into_iter().filter(|p| may_vote(world, seat, p.id)).collect(),
        )
    } else {
        (Vec::new(), proposals)
    };
    if phase == Phase::Orders && !locked(world, seat) {
        // A kind none of whose orders the rules would take now is not offered.
        kinds.retain(|k| crate::rules::menu::any_legal(world, seat, k));
    }
    SeatOptions { kinds: kinds.into_iter().map(str::to_string).collect(), proposals, advice }
}

/// Whether the seat's draft is locked (its menus would all be empty until it unlocks).
fn locked(world: &World, seat: &str) -> bool {
    world.resource::<OrderBook>().drafts.get(seat).is_some_and(|d| d.locked)
}

/// Whether `seat` may vote on the proposal now (a member of its body, voted this turn).
fn may_vote(world: &mut World, seat: &str, proposal: u64) -> bool {
    let vote = crate::rules::Order::Vote { proposal, ballot: crate::game::Ballot::Abstain };
    crate::rules::orders::check(world, seat, &vote).is_ok()
}

/// The advisor's orders the rules would accept now, given the seat's draft and the capital it
/// has left, taken in order: none already drafted, none it could no longer afford.
fn still_acceptable(
    world: &mut World,
    seat: &str,
    me: Entity,
    advice: Vec<crate::rules::Order>,
) -> Vec<crate::rules::Order> {
    let drafted: Vec<crate::rules::Order> = world
        .resource::<OrderBook>()
        .drafts
        .get(seat)
        .map(|d| d.orders.iter().map(|o| o.order.clone()).collect())
        .unwrap_or_default();
    let spent = world.resource::<OrderBook>().drafts.get(seat).map_or(0, |d| d.spent());
    let mut left = world.get::<crate::world::Capital>(me).map_or(0, |c| c.0) - spent;
    let mut kept = Vec::new();
    for order in advice {
        if drafted.contains(&order) {
            continue;
        }
        if let Ok(cost) = crate::rules::orders::check(world, seat, &order)
            && cost <= left
        {
            left -= cost;
            kept.push(order);
        }
    }
    kept
}

/// The orders `seat`'s bot would hand in now. Planning notes what the bot proposed in its memory;
/// the memory is put back as it was, so asking changes nothing in the game.
fn advice(world: &mut World, seat: &str, me: Entity) -> Vec<crate::rules::Order> {
    let turn = world.resource::<Clock>().turn;
    world.init_resource::<Advice>();
    if world.resource::<Advice>().turn != turn {
        *world.resource_mut::<Advice>() = Advice { turn, orders: Default::default(), outlook: None };
    }
    if let Some(orders) = world.resource::<Advice>().orders.get(seat) {
        return orders.clone();
    }
    let memory = world.get::<crate::bots::BotMemory>(me).cloned();
    let outlook = match world.resource::<Advice>().outlook.clone() {
        Some(o) => o,
        None => {
            let o = Arc::new(crate::bots::Outlook::take(world));
            world.resource_mut::<Advice>().outlook = Some(o.clone());
            o
        }
    };
    let orders = crate::bots::plan(world, me, seat, &outlook);
    match memory {
        Some(m) => {
            world.entity_mut(me).insert(m);
        }
        None => {
            world.entity_mut(me).remove::<crate::bots::BotMemory>();
        }
    }
    world.resource_mut::<Advice>().orders.insert(seat.to_string(), orders.clone());
    orders
}

fn omniscient(world: &mut World) -> Omniscient {
    let seats: Vec<String> = crate::rules::nations_in_order(world).into_iter().map(|(_, k)| k).collect();
    let connections =
        world.resource::<Connections>().0.iter().map(|(id, c)| (*id, c.role, c.seat.clone(), c.name.clone())).collect();
    Omniscient {
        drafts: world.resource::<OrderBook>().drafts.clone(),
        seats: seats.iter().map(|s| briefing_for(world, Some(s))).collect(),
        connections,
        log: world.resource::<Notices>().log.clone(),
        awaiting: awaiting(world),
        counterfactuals: world
            .get_resource::<super::whitecell::Counterfactuals>()
            .map(|c| c.0.clone())
            .unwrap_or_default(),
    }
}

/// The injects waiting for approval, in words.
fn awaiting(world: &World) -> Vec<(String, String)> {
    let registry = world.resource::<crate::world::Registry>();
    let awaiting = &world.resource::<crate::rules::politics::AwaitingApproval>().0;
    awaiting
        .iter()
        .filter_map(|(id, _)| {
            let e = registry.get(id)?;
            let name = world.get::<Label>(e).map_or(id.as_str(), |l| l.0.as_str());
            Some((id.clone(), format!("{name}: {}", world.get::<Inject>(e)?.text)))
        })
        .collect()
}

/// A view within the size limit: the oldest of the story's events go first if it would not fit.
pub fn view_message(mut view: View) -> View {
    loop {
        if encode(&view).len() <= MAX_SERVER_MESSAGE_BYTES {
            return view;
        }
        if let Some(s) = view.story.as_mut().filter(|s| !s.events.is_empty()) {
            let keep = s.events.len() / 2;
            s.events.drain(..s.events.len() - keep);
        } else if let Some(o) = view.omniscient.as_mut().filter(|o| !o.seats.is_empty() || !o.log.is_empty()) {
            o.seats.clear();
            o.log.clear();
        } else if let Some(o) = view.omniscient.as_mut().filter(|o| !o.drafts.is_empty()) {
            // Drafts full of the longest messages: the seat table still says who has locked.
            o.drafts.clear();
        } else {
            // Nothing left to shrink but the notices and the drafts: this always ends.
            view.notices.clear();
            view.omniscient = None;
            view.story = None;
            if let Some(d) = view.draft.as_mut() {
                d.orders.clear();
            }
            return view;
        }
    }
}

/// A fingerprint of a view as it goes on the wire, less its number and the clock's running
/// milliseconds (which change at every frame): whether a view changed.
fn fingerprint(view: &View) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut still = view.clone();
    still.id = 0;
    still.clock.remaining_ms = None;
    encode(&still).hash(&mut h);
    h.finish()
}

/// Who a view is built for: a role, and a player's seat.
type Audience = (Role, Option<String>);

/// A view built for one kind of connection, with its fingerprint.
struct Built {
    view: Arc<View>,
    print: u64,
    full: Arc<ServerMessage>,
}

/// Sends every pending view and the seat table: a patch from the last view a connection was sent,
/// or the full view to a new connection and on `Refresh`. Views, and patches from the same base,
/// are built once for all the connections of a seat (and all observers), and so encoded once.
pub fn send_views(world: &mut World) {
    if world.resource::<Replaying>().0 {
        return;
    }
    super::talk::deliver_press(world);
    // The phase changes at the start of the next frame: what is pending goes out with it, not as
    // views of a phase already over.
    if matches!(world.get_resource::<NextState<Phase>>(), Some(NextState::Pending(_))) {
        world.resource_mut::<Pending>().busy = true;
        return;
    }
    let now = Instant::now();
    let connections = world.resource::<Connections>().clone();
    {
        let mut pending = world.resource_mut::<Pending>();
        // Drafts changed: the white cell sees them, but not at every keystroke; what it has not
        // seen yet stays marked until it has.
        pending.omniscient_stale |= pending.seats;
        if pending.omniscient_stale && pending.omniscient_sent.is_none_or(|t| now.duration_since(t) >= OMNISCIENT_EVERY)
        {
            pending.views.extend(connections.0.iter().filter(|(_, c)| c.role.omniscient()).map(|(id, _)| *id));
            pending.omniscient_stale = false;
        }
    }
    let pending = std::mem::take(&mut world.resource_mut::<Pending>().views);
    let refreshes = std::mem::take(&mut world.resource_mut::<Pending>().refreshes);
    let seats_changed = std::mem::take(&mut world.resource_mut::<Pending>().seats);
    if pending.iter().any(|id| connections.0.get(id).is_some_and(|c| c.role.omniscient())) {
        world.resource_mut::<Pending>().omniscient_sent = Some(now);
    }
    let mut built: BTreeMap<Audience, Built> = BTreeMap::new();
    let mut patches: BTreeMap<(Audience, u64), Arc<ServerMessage>> = BTreeMap::new();
    let mut sent = Vec::new();
    for id in pending.union(&refreshes) {
        let Some(c) = connections.0.get(id) else { continue };
        let key = (c.role, c.seat.clone());
        if !built.contains_key(&key) {
            let n = {
                let mut p = world.resource_mut::<Pending>();
                p.views_built += 1;
                p.views_built
            };
            let mut view = view_message(build_view(world, c.role, c.seat.as_deref()));
            view.id = n;
            let print = fingerprint(&view);
            let full = Arc::new(ServerMessage::View(Box::new(view.clone())));
            built.insert(key.clone(), Built { view: Arc::new(view), print, full });
        }
        let b = &built[&key];
        let message = match c.last_view.as_ref().filter(|_| !refreshes.contains(id)) {
            Some(base) => patches
                .entry((key, base.id))
                .or_insert_with(|| Arc::new(ServerMessage::Patch(Box::new(ViewPatch::between(base, &b.view)))))
                .clone(),
            None => b.full.clone(),
        };
        sent.push((*id, b.print, b.view.clone()));
        world.write_message(Outgoing { to: *id, message });
    }
    let mut live = world.resource_mut::<Connections>();
    for (id, print, view) in sent {
        if let Some(c) = live.0.get_mut(&id) {
            c.view_sent = print;
            c.last_view = Some(view);
        }
    }
    if seats_changed {
        // Joins and leaves that change nobody's seat (observers coming and going) send nothing.
        let table = seat_table(world);
        if world.resource::<Pending>().seats_sent.as_ref() != Some(&table) {
            world.resource_mut::<Pending>().seats_sent = Some(table.clone());
            let table = Arc::new(ServerMessage::Seats(table));
            for id in connections.0.keys() {
                world.write_message(Outgoing { to: *id, message: table.clone() });
            }
        }
    }
}

//! The scenario file's data model: every type a RON scenario can contain.
//!
//! These types are the contract with scenario authors (documented in `docs/scenario-format.md`).
//! References between objects are ids (`String`); `validate` checks that they resolve, and the
//! world module turns them into `Entity` links. Counts are signed so that a negative number is
//! reported by the validator with the others, not as a lone parse failure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A reference to another object of the scenario by its id.
pub type Id = String;

/// A whole scenario: everything needed to start a game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short machine name, `[a-z0-9_]`; also the default save-game name.
    pub id: Id,
    pub name: String,
    pub description: String,
    /// Calendar date of day 0 (ISO `YYYY-MM-DD`), for reports.
    pub start_date: String,
    /// Seed of the game's one random generator; `truce sim --seed` overrides it.
    pub seed: u64,
    /// Days one turn covers.
    pub turn_days: u32,
    /// Number of turns before the game ends (if the ceasefire has not collapsed first).
    pub turns: u32,
    /// The two belligerent poles that `alignment` is measured between.
    pub sides: Sides,
    pub nations: Vec<Nation>,
    pub institutions: Vec<Institution>,
    pub mandate_templates: Vec<MandateTemplate>,
    /// Mandates already in force on day 0 (e.g. the OSCE mission in 2019).
    #[serde(default)]
    pub mandates: Vec<Mandate>,
    pub line: CeasefireLine,
    #[serde(default)]
    pub defence_lines: Vec<DefenceLine>,
    #[serde(default)]
    pub contingents: Vec<Contingent>,
    #[serde(default)]
    pub pledges: Vec<Pledge>,
    #[serde(default)]
    pub guarantees: Vec<Guarantee>,
    #[serde(default)]
    pub assets: Vec<MonitoringAsset>,
    #[serde(default)]
    pub injects: Vec<Inject>,
    /// Who may talk to whom during the orders phase; the facilitator can change it.
    #[serde(default)]
    pub press: PressRules,
    /// The rules' parameters; every one has a documented default (`docs/rules.md`).
    #[serde(default)]
    pub model: ModelParams,
}

/// Which nation stands at each end of the alignment scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sides {
    /// The nation at alignment +1 (in the shipped scenarios, Ukraine).
    pub positive: Id,
    /// The nation at alignment −1 (in the shipped scenarios, Russia).
    pub negative: Id,
}

// ---------------------------------------------------------------------------------------------
// Nations

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nation {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub flags: Vec<NationFlag>,
    pub pools: Pools,
    pub support: DomesticSupport,
    /// Relations with other nations, −100 (hostile) to +100 (allied). Missing pairs are 0.
    #[serde(default)]
    pub relations: BTreeMap<Id, i64>,
    /// −1 (with `sides.negative`) to +1 (with `sides.positive`).
    pub alignment: f64,
    #[serde(default)]
    pub objectives: Vec<Objective>,
    #[serde(default)]
    pub doctrine: Doctrine,
    /// A contributor whose loyalty in a crisis is in doubt (the seed's worry about China).
    #[serde(default)]
    pub loyalty_risk: Option<LoyaltyRisk>,
    /// A host's refusals: nations whose contingents may not stand on the line.
    #[serde(default)]
    pub refuses: Vec<Id>,
}

/// The risk that a contributing nation serves another's interest rather than the mission's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoyaltyRisk {
    /// The nation it may side with.
    pub leans_to: Id,
    /// Chance per turn that intelligence it gathers or is given reaches `leans_to`.
    pub intelligence_leak: f64,
    /// Chance that in a crisis (an incursion or attack in its sector) its contingent sides with
    /// `leans_to` instead of acting neutrally.
    pub crisis_defection: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NationFlag {
    /// Permanent member of the UN Security Council.
    PermanentFive,
    EuMember,
    NatoMember,
    /// A party to the conflict: it chooses postures and its forces face each other on the line.
    Belligerent,
    /// Its government answers to voters: support falls with casualties and cost.
    Democracy,
    /// The line is on its soil: foreign contingents stand there only with its consent.
    Host,
}

/// What a nation can commit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pools {
    /// Troops it could deploy abroad (or, for a belligerent, hold in reserve).
    pub troops: i64,
    /// Monitoring or combat drones it could field.
    pub drones: i64,
    /// Political capital gained each turn; orders spend it.
    pub capital_per_turn: i64,
    /// Political capital at the start.
    #[serde(default)]
    pub capital: i64,
}

/// Domestic support for the government's policy, 0..1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomesticSupport {
    pub initial: f64,
    /// Below this the nation must withdraw its contingents.
    pub withdraw_below: f64,
    /// Support lost per 100 own casualties.
    pub casualty_sensitivity: f64,
    /// Support lost per 10,000 troop-days deployed abroad (the cost of a mission).
    pub cost_sensitivity: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: Id,
    /// What the nation wants, in words shown to its players.
    pub text: String,
    /// Public objectives are shown to every seat; secret ones only to the owner and the white cell.
    pub public: bool,
    /// Score points earned when the goal holds at the end of a turn.
    pub weight: i64,
    pub goal: Condition,
}

/// Parameters of the nation's bot; every field has a documented default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Doctrine {
    /// How hard a belligerent pushes on the line, 0 (holds fire) .. 1 (all-out probing).
    pub aggression: f64,
    /// A belligerent aims its pressure at the sectors with the weakest monitoring.
    pub probe_weak_sectors: bool,
    /// How strongly it answers fire it suffered with fire of its own, 0 .. 1: its pressure rises
    /// by `retaliation × model.retaliation_gain` per full side's fire suffered (docs/rules.md §6.6).
    pub retaliation: f64,
    /// Mandates the bot proposes, in order of preference.
    pub proposals: Vec<Proposal>,
    /// Whose guarantees the bot accepts.
    pub accept_guarantees: GuaranteePolicy,
    /// How the bot votes on a proposed mandate, by kind: chance of a yes.
    pub votes: Leaning,
    /// Chance per turn that the bot recommits to the ceasefire when it is fraying.
    pub recommit: f64,
    /// Largest share of its troop pool the bot will send abroad.
    pub max_deployment_share: f64,
    /// Chance each turn that the bot keeps each deal it has made rather than follow its doctrine
    /// where the two part (docs/rules.md §9.9).
    pub keeps_deals: f64,
    /// Mandates the bot presses a body's members to back (docs/rules.md §4.5), in order of
    /// preference: it lobbies for the first it can afford each turn.
    pub lobby: Vec<Proposal>,
}

impl Default for Doctrine {
    fn default() -> Self {
        // Design judgement: a cautious, mildly cooperative state.
        Doctrine {
            aggression: 0.0,
            probe_weak_sectors: false,
            retaliation: 0.3,
            proposals: Vec::new(),
            accept_guarantees: GuaranteePolicy::Any,
            votes: Leaning { observe: 0.8, interpose: 0.5, enforce: 0.2 },
            recommit: 0.5,
            lobby: Vec::new(),
            max_deployment_share: 0.1,
            keeps_deals: 0.9,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub template: Id,
    pub institution: Id,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuaranteePolicy {
    Any,
    /// Only from nations that help: they have troops, drones or a guarantee component committed.
    FromHelpersOnly,
    Never,
}

/// Chance of voting yes, by kind of mandate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaning {
    pub observe: f64,
    pub interpose: f64,
    pub enforce: f64,
}

impl Leaning {
    /// The leaning towards a mandate of this kind.
    pub fn of(&self, kind: MandateKind) -> f64 {
        match kind {
            MandateKind::ObserveReport => self.observe,
            MandateKind::Interpose => self.interpose,
            MandateKind::Enforce => self.enforce,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Institutions and mandates

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    pub id: Id,
    pub name: String,
    pub rule: DecisionRule,
    /// Legitimacy a mandate from this body carries, 0..1 (a coalition of the willing has 0).
    pub legitimacy: f64,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DecisionRule {
    /// At least `yes` votes in favour and no `no` from any member listed in `vetoes`.
    QualifiedMajority { yes: u32, vetoes: Vec<Id> },
    /// Every member votes yes; abstention blocks.
    Unanimity,
    /// No member objects; abstentions do not block.
    Consensus,
    /// No vote: whoever proposes, authorises (a coalition of the willing).
    NoVote,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Member {
    /// A nation of the scenario, voting by its seat's orders (or its bot).
    Nation(Id),
    /// A member that nobody plays; it votes by a scripted leaning.
    Scripted { id: Id, name: String, leaning: Leaning },
}

impl Member {
    /// The id the member goes by in `vetoes` and in vote tallies.
    pub fn id(&self) -> &str {
        match self {
            Member::Nation(id) => id,
            Member::Scripted { id, .. } => id,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub enum MandateKind {
    /// Record and report violations, nothing more (the OSCE mission under Minsk).
    ObserveReport,
    /// Armed presence, self-defence only; deters by being there.
    Interpose,
    /// Soldiers may act against the violator.
    Enforce,
}

impl MandateKind {
    /// What the mandate lets a force do, in words.
    pub fn words(self) -> &'static str {
        match self {
            MandateKind::ObserveReport => "observe and report",
            MandateKind::Interpose => "interpose",
            MandateKind::Enforce => "enforce",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
/// Severities in rising order: `ViolationAtLeast(DroneStrike)` also holds for an incursion.
pub enum Severity {
    SmallArms,
    Artillery,
    DroneStrike,
    Incursion,
    AttackOnMonitors,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::SmallArms,
        Severity::Artillery,
        Severity::DroneStrike,
        Severity::Incursion,
        Severity::AttackOnMonitors,
    ];

    /// The severity in words, for reports.
    pub fn words(self) -> &'static str {
        match self {
            Severity::SmallArms => "small-arms fire",
            Severity::Artillery => "artillery fire",
            Severity::DroneStrike => "a drone strike",
            Severity::Incursion => "an incursion",
            Severity::AttackOnMonitors => "an attack on monitors",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Response {
    Record,
    ReportPublicly,
    Protest,
    Investigate,
    Interpose,
    ReturnFire,
    CallAirSupport,
}

impl Response {
    pub const ALL: [Response; 7] = [
        Response::Record,
        Response::ReportPublicly,
        Response::Protest,
        Response::Investigate,
        Response::Interpose,
        Response::ReturnFire,
        Response::CallAirSupport,
    ];

    /// The response in words, for reports.
    pub fn words(self) -> &'static str {
        match self {
            Response::Record => "record",
            Response::ReportPublicly => "report publicly",
            Response::Protest => "protest",
            Response::Investigate => "investigate",
            Response::Interpose => "interpose",
            Response::ReturnFire => "return fire",
            Response::CallAirSupport => "call air support",
        }
    }
}

/// A kind of mandate an institution can be asked to authorise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MandateTemplate {
    pub id: Id,
    pub name: String,
    pub kind: MandateKind,
    /// Which responses the force may make, for each severity of violation (all five must be given).
    pub responses: BTreeMap<Severity, Vec<Response>>,
    /// Kinds of contingent that may serve under it.
    pub contingent_kinds: Vec<ContingentKind>,
    /// Turns a mandate lasts before it must be renewed.
    pub duration_turns: u32,
    /// Political capital the proposer spends.
    pub capital_cost: i64,
}

/// A mandate in force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mandate {
    pub id: Id,
    pub template: Id,
    pub authorised_by: Id,
    /// Sectors it covers; empty means the whole line.
    #[serde(default)]
    pub sectors: Vec<Id>,
    /// Nations contributing to it.
    #[serde(default)]
    pub contributors: Vec<Id>,
    /// The turn it started (0 = before the game).
    #[serde(default)]
    pub start_turn: u32,
    /// Turns it lasts; `None` means the template's duration.
    #[serde(default)]
    pub duration_turns: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// The line

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeasefireLine {
    pub name: String,
    /// Length along the ground; the sectors' lengths must add up to it.
    pub length_km: f64,
    /// The line as a polyline, north/east to south/west or any consistent order.
    pub points: Vec<GeoPoint>,
    pub sectors: Vec<Sector>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    pub id: Id,
    pub name: String,
    /// Indices of the first and last polyline point of this sector; consecutive sectors share a point.
    pub points: (u32, u32),
    pub length_km: f64,
    pub terrain: Terrain,
    /// Width of the demilitarised buffer zone.
    pub buffer_km: f64,
    /// Tension on day 0, 0 (quiet) .. 1 (on the brink).
    pub base_tension: f64,
    /// Troops each side holds in the sector.
    pub forces: BTreeMap<Id, i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Terrain {
    Open,
    Forest,
    Urban,
    River,
    Marsh,
    Hills,
}

/// One of the layered lines of defence: own forces first, contingents second, air support third.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefenceLine {
    pub id: Id,
    pub name: String,
    /// 1 is the first line; deeper lines have larger numbers.
    pub depth: u32,
    /// Nations whose forces form this line.
    pub nations: Vec<Id>,
    /// When this line engages.
    pub engages: Condition,
}

// ---------------------------------------------------------------------------------------------
// Forces, pledges, guarantees, monitoring

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ContingentKind {
    /// Unarmed civilian or military observers.
    Monitors,
    Infantry,
    Mechanised,
    DroneUnit,
    AirSupport,
}

impl ContingentKind {
    pub fn is_armed(self) -> bool {
        !matches!(self, ContingentKind::Monitors)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Posture {
    /// Stays in base; patrols little.
    Passive,
    /// Patrols and holds positions; fires only in self-defence.
    Defensive,
    /// Patrols aggressively and acts at once when the mandate allows.
    Active,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contingent {
    pub id: Id,
    pub owner: Id,
    pub kind: ContingentKind,
    pub size: i64,
    /// The line of defence it belongs to.
    pub line: Id,
    /// The mandate it serves under, if any.
    #[serde(default)]
    pub mandate: Option<Id>,
    /// The sector it stands in; `None` means at home.
    #[serde(default)]
    pub sector: Option<Id>,
    pub posture: Posture,
    /// Share of the contingent ready for action, 0..1.
    pub readiness: f64,
    #[serde(default)]
    pub losses: i64,
}

/// A promise to deploy a contingent, possibly under a condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pledge {
    pub id: Id,
    pub nation: Id,
    /// The contingent promised (owned by `nation`, at home until the pledge activates).
    pub contingent: Id,
    /// Where it deploys when the pledge activates.
    pub sector: Id,
    pub condition: Condition,
    /// Turn after which an unmet pledge lapses; `None` = never.
    #[serde(default)]
    pub lapses_after_turn: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guarantee {
    pub id: Id,
    pub guarantor: Id,
    pub recipient: Id,
    pub components: Vec<GuaranteeComponent>,
    pub status: GuaranteeStatus,
    /// The first day on which an `Accepted` guarantee held (its defence industry builds up from
    /// then); day 1 if not given.
    #[serde(default)]
    pub accepted_day: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub enum GuaranteeComponent {
    Training,
    WeaponsSupply,
    DefenceIndustry,
    IntelligenceSharing,
    SanctionsOnAggressor,
    EconomicCooperation,
    EuAccessionPath,
    /// An Article-5-style obligation to assist if attacked.
    MutualAssistance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuaranteeStatus {
    Offered,
    Accepted,
    Rejected,
    /// Accepted, then not honoured: its guarantor failed to assist when its mutual-assistance
    /// clause called for it. It does nothing more.
    Breached,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AssetKind {
    /// Patrols on the ground; slowed by movement restrictions.
    Monitors,
    FixedCameras,
    ShortRangeDrones,
    /// Long-range drones; exposed to jamming.
    LongRangeDrones,
    Satellite,
}

impl AssetKind {
    pub fn is_drone(self) -> bool {
        matches!(self, AssetKind::ShortRangeDrones | AssetKind::LongRangeDrones)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringAsset {
    pub id: Id,
    pub owner: Id,
    pub kind: AssetKind,
    /// Monitors: people; drones and cameras: units.
    pub count: i64,
    #[serde(default)]
    pub mandate: Option<Id>,
    /// Sectors it watches; empty means the whole line.
    #[serde(default)]
    pub sectors: Vec<Id>,
    /// Chance that it detects a violation in a sector it fully covers, 0..1.
    pub detection: f64,
    /// Share of drone flights jammed, 0..1 (drones only).
    #[serde(default)]
    pub jamming: f64,
    /// Movement restrictions imposed on patrols per month (monitors only).
    #[serde(default)]
    pub restrictions_per_month: f64,
}

// ---------------------------------------------------------------------------------------------
// Conditions and injects

/// A test of the world's state: pledge conditions, inject triggers, defence-line engagement,
/// objectives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum Condition {
    Always,
    Never,
    /// From this turn on (turns count from 1).
    FromTurn(u32),
    /// Exactly on this turn.
    AtTurn(u32),
    /// A mandate authorised by this institution is in force.
    MandateFrom(Id),
    /// A mandate of this kind is in force.
    MandateOfKind(MandateKind),
    /// This nation has a contingent deployed on the line.
    Deployed(Id),
    /// A guarantee from `guarantor` to `recipient` has been accepted.
    GuaranteeAccepted {
        guarantor: Id,
        recipient: Id,
    },
    /// Escalation is at least this value (0..1).
    EscalationAtLeast(f64),
    /// Escalation is below this value (0..1).
    EscalationBelow(f64),
    /// The ceasefire has not collapsed.
    CeasefireHolds,
    /// A violation of this severity or worse was detected this turn.
    ViolationAtLeast(Severity),
    /// At least this many violations were recorded last turn.
    RecordedViolationsAtLeast(i64),
    /// The nation's domestic support is at least this value.
    SupportAtLeast {
        nation: Id,
        value: f64,
    },
    /// The nation's relations with another are at least this value.
    RelationsAtLeast {
        from: Id,
        to: Id,
        value: i64,
    },
    All(#[serde(deserialize_with = "nested")] Vec<Condition>),
    Any(#[serde(deserialize_with = "nested")] Vec<Condition>),
    Not(#[serde(deserialize_with = "nested")] Box<Condition>),
    /// A nation has imposed sanctions on this one by order (docs/rules.md §8.2; the sanctions of a
    /// guarantee are its guarantor's effect, not an order, and do not count).
    Sanctioned(Id),
    /// The scripted members of this institution lean, on average, at least this much towards a
    /// mandate of this kind (0..1; lobbying moves it, docs/rules.md §4.5).
    Leans {
        institution: Id,
        kind: MandateKind,
        value: f64,
    },
}

/// Deepest nesting of conditions accepted from any source (a file or the network).
pub const MAX_CONDITION_DEPTH: u32 = 32;

thread_local! {
    static CONDITION_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Reads nested conditions with a depth limit, so that a hostile message of deeply nested
/// `Not(Not(…))` is an error instead of a stack overflow (binary formats have no brackets to
/// count beforehand).
fn nested<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let depth = CONDITION_DEPTH.with(|d| d.get());
    if depth >= MAX_CONDITION_DEPTH {
        return Err(serde::de::Error::custom(format!("conditions nest at most {MAX_CONDITION_DEPTH} deep")));
    }
    CONDITION_DEPTH.with(|d| d.set(depth + 1));
    let result = T::deserialize(deserializer);
    CONDITION_DEPTH.with(|d| d.set(depth));
    result
}

/// A scripted event, for the white cell or the scenario author.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inject {
    pub id: Id,
    pub name: String,
    /// What every seat reads when it fires.
    pub text: String,
    pub trigger: Condition,
    /// Whether it can fire again on later turns while its trigger holds.
    #[serde(default)]
    pub repeat: bool,
    pub effects: Vec<Effect>,
    /// When its trigger holds, it waits for the facilitator to approve it (at the size they
    /// choose) or skip it, instead of firing by itself (docs/rules.md §3.2).
    #[serde(default)]
    pub approval: bool,
    /// Seconds the facilitator has to decide before `unanswered` is done for them.
    #[serde(default = "default_approval_seconds")]
    pub approval_seconds: u32,
    /// What happens when the facilitator has not decided in time (or by the end of the phase).
    #[serde(default)]
    pub unanswered: Unanswered,
}

pub fn default_approval_seconds() -> u32 {
    // Design judgement: time to read it aloud and decide, short of a class waiting.
    120
}

/// An inject's approval, as the world keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approval {
    pub seconds: u32,
    pub unanswered: Unanswered,
}

impl Inject {
    pub fn approval(&self) -> Option<Approval> {
        self.approval.then_some(Approval { seconds: self.approval_seconds, unanswered: self.unanswered })
    }
}

/// What an inject awaiting approval does if the facilitator does not decide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unanswered {
    /// It fires as the author wrote it.
    #[default]
    Fire,
    /// It does not fire this time.
    Skip,
}

/// Who may say what to whom while the orders are open (docs/rules.md §2.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PressRules {
    /// Private messages, group channels and public statements.
    #[default]
    Full,
    /// Public statements only: every word is on the record.
    PublicOnly,
    /// No press at all (offers of deals still go through).
    None,
}

impl PressRules {
    pub fn words(self) -> &'static str {
        match self {
            PressRules::Full => "full press",
            PressRules::PublicOnly => "public press only",
            PressRules::None => "no press",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Effect {
    /// Adds to a sector's tension (clamped to 0..1).
    Tension { sector: Id, delta: f64 },
    /// Adds to a nation's domestic support (clamped to 0..1).
    Support { nation: Id, delta: f64 },
    /// Adds political capital.
    Capital { nation: Id, delta: i64 },
    /// Changes a relation (clamped to −100..100).
    Relations { from: Id, to: Id, delta: i64 },
    /// Sets the share of an asset's flights that are jammed.
    Jamming { asset: Id, value: f64 },
    /// Sets an asset's movement restrictions per month.
    Restrictions { asset: Id, per_month: f64 },
    /// Sets a belligerent's aggression.
    Aggression { nation: Id, value: f64 },
}

// ---------------------------------------------------------------------------------------------
// Model parameters

/// A number for each severity of violation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerSeverity {
    pub small_arms: f64,
    pub artillery: f64,
    pub incursion: f64,
    pub drone_strike: f64,
    pub attack_on_monitors: f64,
}

impl PerSeverity {
    pub fn get(&self, s: Severity) -> f64 {
        match s {
            Severity::SmallArms => self.small_arms,
            Severity::Artillery => self.artillery,
            Severity::Incursion => self.incursion,
            Severity::DroneStrike => self.drone_strike,
            Severity::AttackOnMonitors => self.attack_on_monitors,
        }
    }

    pub fn values(&self) -> [f64; 5] {
        Severity::ALL.map(|s| self.get(s))
    }
}

/// A number for each kind of terrain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerTerrain {
    pub open: f64,
    pub forest: f64,
    pub urban: f64,
    pub river: f64,
    pub marsh: f64,
    pub hills: f64,
}

impl PerTerrain {
    pub fn get(&self, t: Terrain) -> f64 {
        match t {
            Terrain::Open => self.open,
            Terrain::Forest => self.forest,
            Terrain::Urban => self.urban,
            Terrain::River => self.river,
            Terrain::Marsh => self.marsh,
            Terrain::Hills => self.hills,
        }
    }

    pub fn values(&self) -> [f64; 6] {
        [self.open, self.forest, self.urban, self.river, self.marsh, self.hills]
    }
}

/// The parameters of the rules. `docs/rules.md` gives each formula they enter; the defaults are
/// design judgements, and `donbas_2019` is the calibration of the fire and detection ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelParams {
    /// Violations (counted as the OSCE did: each explosion, burst or shot) per km per day from one
    /// belligerent pushing at full pressure in a sector at tension 1.
    pub shots_per_km_day: f64,
    /// Share of the fire that goes on at tension 0.
    pub tension_floor: f64,
    /// Largest share of the fire that armed peacekeepers can deter.
    pub deterrence_max: f64,
    /// Armed, ready peacekeepers per km at which deterrence reaches 63% of its maximum.
    pub deterrence_troops_per_km: f64,
    /// Deterrence multiplier when the force's mandate allows enforcement.
    pub enforce_deterrence_bonus: f64,
    /// Monitors on patrol per km that give a sector full patrol coverage.
    pub monitors_per_km_full: f64,
    /// Drones per 100 km that give a sector full coverage.
    pub drones_per_100km_full: f64,
    /// Fixed cameras per 100 km that give full coverage.
    pub cameras_per_100km_full: f64,
    /// Satellites that give the whole line full coverage.
    pub satellites_full: f64,
    /// Share of patrol detection lost per movement restriction a month (capped at 0.9).
    pub restriction_loss: f64,
    /// Detection by armed peacekeepers on patrol, relative to the same number of monitors.
    pub soldier_detection: f64,
    /// Chance that a detected violation is attributed to a side, by the kind of the strongest
    /// mandate in the sector (the OSCE rarely named a side).
    pub attribution_rate: Leaning,
    /// Chance that attribution without any mandate in the sector names a side.
    pub attribution_rate_unmandated: f64,
    /// Chance that an attribution names the true perpetrator.
    pub attribution_accuracy: f64,
    /// How a belligerent's fire divides among the severities, before tension. Small arms,
    /// artillery and drone strikes share out the violations (their shares are relative);
    /// incursions and attacks on monitors are rare events, counted per violation of fire.
    pub severity_mix: PerSeverity,
    /// Escalation added by one unanswered violation of each severity, per km of the whole line:
    /// escalation measures how violent the line is, not how many sectors it has.
    pub escalation: PerSeverity,
    /// Casualties per violation of each severity (per event for incursions and attacks).
    pub lethality: PerSeverity,
    /// Buffer-zone width (km) that halves the fire of each severity (0: the buffer does not stop
    /// it): small arms and incursions need contact, artillery and drones reach across.
    pub buffer_halving_km: PerSeverity,
    /// Detection in each terrain, relative to open ground.
    pub terrain_detection: PerTerrain,
    /// Deterrence in each terrain, relative to open ground.
    pub terrain_deterrence: PerTerrain,
    /// Armed, ready troops per km at which a force answers 63% of the violations its mandate lets
    /// it answer (the rest go unanswered: a force answers what its size and coverage allow).
    pub response_troops_per_km: f64,
    /// Share of a belligerent's pressure in a sector that the force's answers take away when it
    /// answers all of a day's fire there (less when it answers less).
    pub restraint_per_answer: f64,
    /// Days over which that restraint fades (e-folding time); it is not reset between turns.
    pub restraint_recovery_days: f64,
    /// Extra pressure a belligerent of retaliation 1 adds for fire it suffered at the rate of one
    /// full side's fire (`shots_per_km_day`), weighted by severity (artillery counts as its
    /// escalation weight relative to small arms).
    pub retaliation_gain: f64,
    /// Days over which the urge to retaliate fades (e-folding time).
    pub retaliation_days: f64,
    /// Share of escalation that fades each day.
    pub escalation_decay_per_day: f64,
    /// Escalation at which the ceasefire is fraying.
    pub fraying_at: f64,
    /// Escalation at which the ceasefire surely collapses; below it, it may collapse any day with
    /// a chance in proportion to escalation.
    pub collapse_at: f64,
    /// Daily chance of collapse just below `collapse_at` (at escalation x: x / collapse_at of it).
    pub collapse_hazard_per_day: f64,
    /// Tension added to a sector per unit of escalation per km of that sector.
    pub tension_per_escalation: f64,
    /// Share of the gap to base tension closed each day.
    pub tension_relax_per_day: f64,
    /// How far a recommitment cuts fire at first (0..1).
    pub truce_depth: f64,
    /// Days over which a bare recommitment's effect fades (e-folding time).
    pub truce_days: f64,
    /// The same, for a recommitment with concrete measures (disengagement, fire orders).
    pub measures_truce_days: f64,
    /// Tension removed from every sector by concrete measures.
    pub measures_tension_cut: f64,
    /// Days a contingent takes to reach the line.
    pub travel_days: u32,
    /// Share of a loyalty-risk nation's leaked intelligence that lowers detection of the side it
    /// leans to (the leaked patrol and drone plans).
    pub leak_evasion: f64,
    /// Chance that a contingent's patrols detect a violation in a sector they fully cover.
    pub patrol_detection: f64,
    /// Domestic support gained each turn by serving under a mandate of legitimacy 1 (scaled by
    /// the authorising body's legitimacy; a coalition's is 0).
    pub legitimacy_support: f64,
    /// What each component of an accepted security guarantee does.
    pub guarantees: GuaranteeEffects,
    /// What lobbying and sanctions do to positions and relations.
    pub diplomacy: DiplomacyEffects,
    /// Political capital each order costs.
    pub costs: OrderCosts,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            shots_per_km_day: 13.0,
            tension_floor: 0.2,
            deterrence_max: 0.75,
            deterrence_troops_per_km: 15.0,
            enforce_deterrence_bonus: 1.2,
            monitors_per_km_full: 1.5,
            drones_per_100km_full: 4.0,
            cameras_per_100km_full: 10.0,
            satellites_full: 2.0,
            restriction_loss: 0.004,
            soldier_detection: 0.3,
            attribution_rate: Leaning { observe: 0.15, interpose: 0.5, enforce: 0.7 },
            attribution_rate_unmandated: 0.3,
            attribution_accuracy: 0.85,
            severity_mix: PerSeverity {
                small_arms: 0.6,
                artillery: 0.3,
                incursion: 0.00003,
                drone_strike: 0.08,
                attack_on_monitors: 0.00002,
            },
            escalation: PerSeverity {
                small_arms: 0.0006,
                artillery: 0.0024,
                incursion: 16.0,
                drone_strike: 0.007,
                attack_on_monitors: 11.0,
            },
            lethality: PerSeverity {
                small_arms: 0.0003,
                artillery: 0.002,
                incursion: 6.0,
                drone_strike: 0.01,
                attack_on_monitors: 0.5,
            },
            buffer_halving_km: PerSeverity {
                small_arms: 4.0,
                artillery: 20.0,
                incursion: 8.0,
                drone_strike: 0.0,
                attack_on_monitors: 0.0,
            },
            terrain_detection: PerTerrain { open: 1.0, forest: 0.7, urban: 0.8, river: 0.9, marsh: 0.8, hills: 0.85 },
            terrain_deterrence: PerTerrain { open: 1.0, forest: 0.85, urban: 0.8, river: 1.1, marsh: 1.0, hills: 0.9 },
            response_troops_per_km: 12.0,
            restraint_per_answer: 0.3,
            restraint_recovery_days: 7.0,
            retaliation_gain: 0.1,
            retaliation_days: 1.0,
            escalation_decay_per_day: 0.04,
            fraying_at: 0.4,
            collapse_at: 1.0,
            collapse_hazard_per_day: 0.0005,
            tension_per_escalation: 0.5,
            tension_relax_per_day: 0.05,
            truce_depth: 0.7,
            truce_days: 5.0,
            measures_truce_days: 40.0,
            measures_tension_cut: 0.1,
            travel_days: 10,
            leak_evasion: 0.3,
            patrol_detection: 0.3,
            legitimacy_support: 0.01,
            guarantees: GuaranteeEffects::default(),
            costs: OrderCosts::default(),
            diplomacy: DiplomacyEffects::default(),
        }
    }
}

/// What each component of an accepted security guarantee does (docs/rules.md §5.6). Shares
/// combine over the recipient's guarantees as independent chances, so each further guarantee adds
/// less than the one before; rates per day add up with each further guarantee worth half the one
/// before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuaranteeEffects {
    /// Training: share of the incursions the recipient would suffer unanswered that its own
    /// forces (the first line) repel.
    pub training_resistance: f64,
    /// Training: share of the gap to full readiness that the recipient's contingents close.
    pub training_readiness: f64,
    /// Weapons supply: share of the fire at the recipient that its armed first line deters.
    pub weapons_deterrence: f64,
    /// Defence industry: the same, once built up.
    pub industry_deterrence: f64,
    /// Defence industry: days after acceptance at which it gives 63% of its deterrence
    /// (e-folding time).
    pub industry_build_days: f64,
    /// Intelligence sharing: added to the recipient's own chance of seeing each violation (the
    /// guarantor's sensors also count as shared with it).
    pub intelligence_detection: f64,
    /// Intelligence sharing: share of the wrong attributions of fire at the recipient (to the
    /// recipient itself) that the shared intelligence corrects.
    pub intelligence_attribution: f64,
    /// Sanctions: support the aggressor loses per day for one nation sanctioning it (each
    /// further one half the one before); every sanctioning nation also costs it a point of
    /// capital a turn.
    pub sanctions_support_per_day: f64,
    /// Economic cooperation: support the recipient gains per day.
    pub economic_support_per_day: f64,
    /// EU accession path: support the recipient gains per day.
    pub accession_support_per_day: f64,
    /// EU accession path: relations gained at acceptance, between recipient and guarantor both ways.
    pub accession_relations: i64,
    /// Mutual assistance: when the guarantor is bound to assist (its deeper lines of defence then
    /// engage, whatever their own condition).
    pub assistance_when: Condition,
    /// Mutual assistance: relations every other nation loses with a guarantor that is bound to
    /// assist and has nothing on the line or in the air to assist with (a breach).
    pub breach_relations: i64,
}

impl Default for GuaranteeEffects {
    fn default() -> Self {
        // Design judgements: facts.md has no figures for guarantees. Each is small beside a
        // force on the ground; together they are felt.
        GuaranteeEffects {
            training_resistance: 0.25,
            training_readiness: 0.3,
            weapons_deterrence: 0.05,
            industry_deterrence: 0.05,
            industry_build_days: 180.0,
            intelligence_detection: 0.2,
            intelligence_attribution: 0.5,
            sanctions_support_per_day: 0.0003,
            economic_support_per_day: 0.0002,
            accession_support_per_day: 0.0002,
            accession_relations: 10,
            assistance_when: Condition::ViolationAtLeast(Severity::Incursion),
            breach_relations: 20,
        }
    }
}

/// What lobbying does to the leanings of a body's scripted members, and what sanctions do to
/// relations (docs/rules.md §4.5, §8.7).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiplomacyEffects {
    /// Days of lobbying that move each scripted member's leaning for the mandate's kind 63% of
    /// the way to full backing (a leaning of 1; e-folding time). One lobbying order covers the
    /// turn's days, so it moves a leaning `1 − exp(−turn_days / lobby_days)` of the way: the
    /// further it has to go, the more it moves, and a campaign does the same in turns of any length.
    pub lobby_days: f64,
    /// Days after which a lobbying's pull has faded to 37% (e-folding time), unless renewed.
    pub lobby_fade_days: f64,
    /// Relations a sanctioned nation loses towards the nation sanctioning it (half of it comes
    /// back when the sanctions are lifted).
    pub sanction_relations: i64,
    /// Relations the victim of a broken deal loses towards the nation that broke it, and the
    /// breaker towards the victim half as much (docs/rules.md §2.7).
    pub deal_breach_relations: i64,
    /// Relations each party gains towards the other when a deal is kept.
    pub deal_kept_relations: i64,
}

impl Default for DiplomacyEffects {
    fn default() -> Self {
        // Design judgements: a season of steady pressure brings a reluctant state most of the way
        // round; a pause of a quarter lets it drift back. Sanctions sour relations, not end them.
        DiplomacyEffects {
            lobby_days: 60.0,
            lobby_fade_days: 90.0,
            sanction_relations: 10,
            // Design judgements: a broken promise costs more trust than a kept one earns.
            deal_breach_relations: 20,
            deal_kept_relations: 5,
        }
    }
}

/// Political capital each kind of order costs (a mandate proposal costs its template's price).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrderCosts {
    pub public_statement: i64,
    pub pledge: i64,
    pub deploy: i64,
    pub withdraw: i64,
    pub offer_guarantee: i64,
    pub sanctions: i64,
    pub share_intelligence: i64,
    pub recommit: i64,
    pub recommit_with_measures: i64,
    pub request_air_support: i64,
    pub accuse: i64,
    pub lobby: i64,
}

impl Default for OrderCosts {
    fn default() -> Self {
        // Design judgement: talk is cheap, commitments cost, a few per turn are affordable.
        OrderCosts {
            public_statement: 0,
            pledge: 1,
            deploy: 1,
            withdraw: 2,
            offer_guarantee: 2,
            sanctions: 2,
            share_intelligence: 1,
            recommit: 1,
            recommit_with_measures: 3,
            request_air_support: 2,
            accuse: 1,
            lobby: 2,
        }
    }
}

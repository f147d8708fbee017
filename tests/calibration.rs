//! The calibration target (docs/calibration.md): `donbas_2019` played for a year with its bots
//! records about 25,000 violations a month, as the OSCE mission did in 2019 (299,633 in the
//! year), within ±40%, as the median over seeds. The ceasefire of 2019 held; in the model a year
//! like it carries a small risk of collapse, so most games, not all, play the whole year.

use truce::scenario;
use truce::sim::Game;

#[test]
fn donbas_2019_records_about_25000_violations_a_month() {
    let path = format!("{}/scenarios/donbas_2019.ron", env!("CARGO_MANIFEST_DIR"));
    let s = scenario::load_file(std::path::Path::new(&path)).unwrap();
    let mut monthly: Vec<f64> = Vec::new();
    let mut whole_years = 0;
    for seed in 1..=9 {
        let mut game = Game::new(s.clone(), Some(seed)).unwrap();
        let history = game.play_out();
        if history.len() == 12 {
            whole_years += 1;
        }
        let year: u64 = history.iter().map(|h| h.violations_recorded).sum();
        let days: u32 = history.iter().map(|h| h.days).sum();
        monthly.push(year as f64 * 30.4 / f64::from(days));
    }
    monthly.sort_by(f64::total_cmp);
    let median = monthly[monthly.len() / 2];
    assert!((15_000.0..=35_000.0).contains(&median), "median recorded a month {median:.0}; all: {monthly:?}");
    assert!(whole_years >= 7, "the ceasefire held through the year in only {whole_years} of 9 games");
}

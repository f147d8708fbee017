//! The game's portable randomness: one seeded ChaCha stream per purpose, and samplers built only
//! on IEEE arithmetic and `libm`, so a seed gives the same game on every machine.
//!
//! Each draw site derives its own stream from (game seed, turn, purpose, entity) instead of sharing
//! one sequence: adding a draw in one rule then cannot shift the dice of every other rule, and the
//! order in which independent systems run cannot change the outcome.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A deterministic random stream.
pub struct Dice(ChaCha8Rng);

impl Dice {
    /// The stream for `purpose` at `turn` and `key` (usually an entity's stable id) of game `seed`.
    pub fn new(seed: u64, turn: u32, purpose: Purpose, key: u64) -> Dice {
        // SplitMix-style mixing of the four parts into one 64-bit seed, then ChaCha's own expansion.
        let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
        for part in [u64::from(turn), purpose as u64, key] {
            x = mix(x ^ part.wrapping_mul(0xBF58_476D_1CE4_E5B9));
        }
        Dice(ChaCha8Rng::seed_from_u64(x))
    }

    /// Uniform in [0, 1), from the top 53 bits of one 64-bit draw.
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform index below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // in (0, 1]
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }

    /// A Poisson count with mean `lambda`: exact, by inversion from one uniform draw, for small
    /// means; the normal approximation above 30, where inversion would take many steps.
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda.is_nan() || lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let u = self.unit();
            // exp(-λ) ≥ 1 − λ: below that bound (less a margin for rounding) the count is 0, as
            // the inversion would find, without computing the exponential.
            if u < 1.0 - lambda - 1e-15 {
                return 0;
            }
            let mut k = 0u64;
            let mut p = libm::exp(-lambda);
            let mut cdf = p;
            while u > cdf && k < 1_000 {
                k += 1;
                p *= lambda / k as f64;
                cdf += p;
            }
            k
        } else {
            let x = lambda + libm::sqrt(lambda) * self.normal();
            x.round().max(0.0) as u64
        }
    }

    /// A binomial count of `n` trials at `p`: exact, by inversion from one uniform draw, for
    /// small `n`; the normal approximation otherwise.
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p.is_nan() || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if n < 40 {
            let u = self.unit();
            let q = 1.0 - p;
            let mut k = 0u64;
            let mut pk = powu(q, n);
            let mut cdf = pk;
            while u > cdf && k < n {
                pk *= (n - k) as f64 / (k + 1) as f64 * p / q;
                k += 1;
                cdf += pk;
            }
            return k;
        }
        let mean = n as f64 * p;
        let sd = libm::sqrt(mean * (1.0 - p));
        (mean + sd * self.normal()).round().clamp(0.0, n as f64) as u64
    }
}

/// What a stream is for; part of its seed so streams never overlap.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Purpose {
    Votes = 1,
    Fire = 2,
    Detection = 3,
    Attribution = 4,
    Collapse = 6,
    Casualties = 7,
    Loyalty = 8,
    Bots = 9,
    Intelligence = 10,
    Deals = 11,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64-bit FNV-1a: a stable hash for state fingerprints (std's hashers may change between releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `x` to the whole power `n` by repeated squaring: a few multiplications in a fixed order, so
/// the same on every machine, and far cheaper than a general power.
fn powu(mut x: f64, mut n: u64) -> f64 {
    let mut acc = 1.0;
    while n > 0 {
        if n & 1 == 1 {
            acc *= x;
        }
        x *= x;
        n >>= 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_means_draw_as_the_full_inversion_would() {
        let inversion = |u: f64, lambda: f64| {
            let (mut k, mut p) = (0u64, libm::exp(-lambda));
            let mut cdf = p;
            while u > cdf && k < 1_000 {
                k += 1;
                p *= lambda / k as f64;
                cdf += p;
            }
            k
        };
        for lambda in [1e-12, 1e-5, 0.003, 0.2, 1.0, 7.5, 29.0] {
            let (mut a, mut b) = (Dice::new(5, 1, Purpose::Fire, 0), Dice::new(5, 1, Purpose::Fire, 0));
            for _ in 0..20_000 {
                let u = b.unit();
                assert_eq!(a.poisson(lambda), inversion(u, lambda), "poisson({lambda}) at u = {u}");
            }
        }
    }

    #[test]
    fn whole_powers_agree_with_the_general_power() {
        for n in 0..64u64 {
            for x in [0.0, 0.05, 0.3, 0.5, 0.93, 0.999_9, 1.0] {
                let (a, b) = (powu(x, n), libm::pow(x, n as f64));
                assert!((a - b).abs() <= 1e-13 * b, "{x}^{n}: {a} against {b}");
            }
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draws = |d: &mut Dice| (0..8).map(|_| d.unit()).collect::<Vec<_>>();
        let a = draws(&mut Dice::new(1, 2, Purpose::Fire, 3));
        assert_eq!(a, draws(&mut Dice::new(1, 2, Purpose::Fire, 3)));
        assert_ne!(a, draws(&mut Dice::new(1, 2, Purpose::Fire, 4)));
        assert_ne!(a, draws(&mut Dice::new(1, 2, Purpose::Detection, 3)));
        assert_ne!(a, draws(&mut Dice::new(2, 2, Purpose::Fire, 3)));
    }

    #[test]
    fn samplers_have_the_right_means() {
        let mut d = Dice::new(9, 0, Purpose::Fire, 0);
        for lambda in [0.5, 4.0, 25.0, 80.0, 2000.0] {
            let n = 4000;
            let mean = (0..n).map(|_| d.poisson(lambda) as f64).sum::<f64>() / n as f64;
            assert!((mean - lambda).abs() < 0.05 * lambda + 0.05, "poisson({lambda}) mean {mean}");
        }
        for (trials, p) in [(10u64, 0.3), (500, 0.05), (10_000, 0.4)] {
            let n = 4000;
            let mean = (0..n).map(|_| d.binomial(trials, p) as f64).sum::<f64>() / n as f64;
            let expect = trials as f64 * p;
            assert!((mean - expect).abs() < 0.05 * expect + 0.05, "binomial({trials},{p}) mean {mean}");
        }
    }

    #[test]
    fn fnv_is_the_published_function() {
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}

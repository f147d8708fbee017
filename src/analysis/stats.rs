//! The summary statistics of a batch: means with 95% intervals (Student's t for figures, Wilson's
//! score interval for proportions such as P(collapse)).

/// Two-sided 97.5% quantiles of Student's t for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z975: f64 = 1.959_964;

/// Student's t quantile for a 95% interval with `df` degrees of freedom; beyond the table, the
/// Cornish–Fisher expansion of the normal quantile to second order in 1/df (within 0.0005 of
/// the exact value).
pub fn t975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df - 1],
        _ => {
            let (z, n) = (Z975, df as f64);
            z + (z.powi(3) + z) / (4.0 * n) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

/// A mean and its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// The mean of `xs` with Student's t interval; a single value is its own interval.
pub fn mean_interval(xs: &[f64]) -> Estimate {
    let n = xs.len();
    if n == 0 {
        return Estimate { mean: f64::NAN, low: f64::NAN, high: f64::NAN };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Estimate { mean, low: mean, high: mean };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * (var / n as f64).sqrt();
    Estimate { mean, low: mean - half, high: mean + half }
}

/// The share of `hits` in `n` with Wilson's score interval, which stays inside 0–1 and is honest
/// at 0 and n hits, where the normal interval collapses to a point.
pub fn proportion_interval(hits: usize, n: usize) -> Estimate {
    if n == 0 {
        return Estimate { mean: f64::NAN, low: f64::NAN, high: f64::NAN };
    }
    let (k, n) = (hits as f64, n as f64);
    let p = k / n;
    let z2 = Z975 * Z975;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z975 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Estimate { mean: p, low: (centre - half).max(0.0), high: (centre + half).min(1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_match_textbook_values() {
        let e = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        // sd = 1.5811, se = 0.7071, t(4) = 2.776.
        assert!((e.high - 3.0 - 1.963).abs() < 0.001, "{e:?}");
        let w = proportion_interval(0, 20);
        assert_eq!(w.low, 0.0);
        assert!((w.high - 0.1611).abs() < 0.001, "{w:?}");
        let w = proportion_interval(10, 20);
        assert!((w.low - 0.2993).abs() < 0.001 && (w.high - 0.7007).abs() < 0.001, "{w:?}");
        assert!((t975(60) - 2.000).abs() < 0.002 && (t975(31) - 2.040).abs() < 0.002);
    }
}

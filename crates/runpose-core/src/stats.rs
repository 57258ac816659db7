//! Order statistics over samples that may contain NaN (ignored).

/// The `q`-quantile (0..=1) with linear interpolation between order statistics; `None` when there is no finite sample.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

pub fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 0.5)
}

/// The shortest regular interval between increasing time stamps `t`: the 10th percentile of the positive
/// intervals. A source's own frame interval even when it dropped many frames (most intervals are still one frame),
/// where the median would be two.
pub(crate) fn regular_interval(t: &[f64]) -> Option<f64> {
    percentile(&t.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).collect::<Vec<_>>(), 0.1)
}

/// Median of the present values of an iterator of options.
pub(crate) fn median_of(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    median(&values.into_iter().flatten().collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_and_skip_nan() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, f64::NAN, 3.0]), Some(2.5));
        assert_eq!(percentile(&[0.0, 10.0], 0.8), Some(8.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median_of([None, Some(1.0), Some(3.0)]), Some(2.0));
    }
}

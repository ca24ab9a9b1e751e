//! The filters' loops without SIMD: what the scalar build runs.

use crate::average;

/// The box blur along rows: a running sum per channel (the four channels of
/// a pixel are the four lanes of one vector), edges clamped.
pub(crate) fn rows(src: &[u8], dst: &mut [u8], width: usize, r: usize) {
    let window = (2 * r + 1) as u32;
    let (half, windowf) = (window / 2, window as f32);
    for (line, out) in src
        .chunks_exact(4 * width)
        .zip(dst.chunks_exact_mut(4 * width))
    {
        let px = |i: usize| {
            let at = 4 * i.min(width - 1);
            [0, 1, 2, 3].map(|c| u32::from(line[at + c]))
        };
        let mut sum = [0u32; 4];
        for k in 0..=2 * r {
            let p = px(k.saturating_sub(r));
            sum = [0, 1, 2, 3].map(|c| sum[c] + p[c]);
        }
        for (i, o) in out.chunks_exact_mut(4).enumerate() {
            for c in 0..4 {
                o[c] = average(sum[c], half, windowf);
            }
            let (add, sub) = (px(i + r + 1), px(i.saturating_sub(r)));
            sum = [0, 1, 2, 3].map(|c| sum[c] + add[c] - sub[c]);
        }
    }
}

/// The box blur along columns: one running sum per byte of a row, so every
/// step is a loop over a whole row (contiguous, and vectorized).
pub(crate) fn columns(src: &[u8], dst: &mut [u8], width: usize, height: usize, r: usize) {
    let stride = 4 * width;
    let window = (2 * r + 1) as u32;
    let (half, windowf) = (window / 2, window as f32);
    let row = |y: usize| &src[y.min(height - 1) * stride..][..stride];
    let mut sums = vec![0u32; stride];
    for k in 0..=2 * r {
        for (s, &v) in sums.iter_mut().zip(row(k.saturating_sub(r))) {
            *s += u32::from(v);
        }
    }
    for (y, out) in dst.chunks_exact_mut(stride).enumerate() {
        for (o, &s) in out.iter_mut().zip(&sums) {
            *o = average(s, half, windowf);
        }
        let (add, sub) = (row(y + r + 1), row(y.saturating_sub(r)));
        for ((s, &a), &b) in sums.iter_mut().zip(add).zip(sub) {
            *s = *s + u32::from(a) - u32::from(b);
        }
    }
}

/// Each pixel's red, green and blue become its integer luma, alpha stays.
pub(crate) fn grayscale(rgba: &mut [u8]) {
    for px in rgba.chunks_exact_mut(4) {
        // The integer luma / 1000 as `average` divides: exact, as the sum
        // is under 2^18.
        let luma = 299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
        px[..3].fill(average(luma, 500, 1000.0));
    }
}

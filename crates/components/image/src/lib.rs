//! Image filters over raw RGBA (`image.wasm`): a bytes kernel where
//! WebAssembly plausibly beats pure Python (docs/components.md compares it
//! with Pillow too).

// Sums and windows are under 2^20, exact as `f32`, and a quotient is in
// [0, 255] (see `average`).
#![allow(clippy::cast_precision_loss, clippy::cast_sign_loss)]

wit_bindgen::generate!({ world: "image", path: "wit" });

struct Image;

/// The largest radius: a window of 2049 pixels already spans any image worth
/// blurring, and the bound keeps a call's time proportional to its pixels.
const MAX_RADIUS: usize = 1024;

/// `(sum + window / 2) / window` for every lane: an `f32` division, which
/// WebAssembly's SIMD has (an integer one it has not). Exact: a sum is
/// under 2^20, so it and the window are exact `f32`s, and the quotient's
/// distance from the next integer (at least 1/(window × 255)) is far above
/// `f32`'s rounding, so truncating gives the integer quotient.
#[inline]
fn average(sum: u32, half: u32, window: f32) -> u8 {
    ((sum + half) as f32 / window) as u8
}

/// The box blur along rows: a running sum per channel (the four channels of
/// a pixel are the four lanes of one vector), edges clamped.
fn rows(src: &[u8], dst: &mut [u8], width: usize, r: usize) {
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
fn columns(src: &[u8], dst: &mut [u8], width: usize, height: usize, r: usize) {
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

impl Guest for Image {
    fn blur(rgba: Vec<u8>, width: u32, height: u32, radius: u32) -> Result<Vec<u8>, String> {
        let (w, h, r) = (width as usize, height as usize, radius as usize);
        if w == 0 || h == 0 || w.checked_mul(h).and_then(|p| p.checked_mul(4)) != Some(rgba.len()) {
            return Err(format!(
                "{} bytes is not width × height × 4 = {width} × {height} × 4",
                rgba.len()
            ));
        }
        if r == 0 || r > MAX_RADIUS {
            return Err(format!("radius must be in [1, {MAX_RADIUS}]"));
        }
        let mut tmp = vec![0; rgba.len()];
        rows(&rgba, &mut tmp, w, r);
        let mut out = rgba;
        columns(&tmp, &mut out, w, h, r);
        Ok(out)
    }

    fn grayscale(mut rgba: Vec<u8>) -> Vec<u8> {
        for px in rgba.chunks_exact_mut(4) {
            // The integer luma / 1000 as `average` divides: exact, as the
            // sum is under 2^18.
            let luma = 299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
            px[..3].fill(average(luma, 500, 1000.0));
        }
        rgba
    }
}

export!(Image);

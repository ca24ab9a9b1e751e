//! Image filters over raw RGBA (`image.wasm`): a bytes kernel where
//! WebAssembly plausibly beats pure Python (docs/components.md compares it
//! with Pillow too).

wit_bindgen::generate!({ world: "image", path: "wit" });

struct Image;

/// The largest radius: a window of 2049 pixels already spans any image worth
/// blurring, and the bound keeps a call's time proportional to its pixels.
const MAX_RADIUS: usize = 1024;

/// One box-blur pass along rows (`step` = 4) or columns (`step` = 4 × width):
/// a running sum over the window, edges clamped.
fn pass(
    src: &[u8],
    dst: &mut [u8],
    lines: usize,
    len: usize,
    line_step: usize,
    step: usize,
    r: usize,
) {
    let window = (2 * r + 1) as u32;
    for line in 0..lines {
        let base = line * line_step;
        let at = |i: usize, c: usize| u32::from(src[base + i.min(len - 1) * step + c]);
        for c in 0..4 {
            // The sum of the window around pixel 0, with clamped edges.
            let mut sum: u32 = (0..=2 * r).map(|k| at(k.saturating_sub(r), c)).sum();
            for i in 0..len {
                dst[base + i * step + c] = ((sum + window / 2) / window) as u8;
                sum += at(i + r + 1, c);
                sum -= at(i.saturating_sub(r), c);
            }
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
        pass(&rgba, &mut tmp, h, w, 4 * w, 4, r);
        let mut out = rgba;
        pass(&tmp, &mut out, w, h, 4, 4 * w, r);
        Ok(out)
    }

    fn grayscale(mut rgba: Vec<u8>) -> Vec<u8> {
        for px in rgba.chunks_exact_mut(4) {
            let luma =
                (299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]) + 500)
                    / 1000;
            px[..3].fill(luma as u8);
        }
        rgba
    }
}

export!(Image);

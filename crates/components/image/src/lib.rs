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

/// The filters' loops, in one of two builds: `simd.rs` with
/// `core::arch::wasm32` when the component is built with `simd128` (as the
/// Makefile builds every component), `scalar.rs` otherwise (the scalar build
/// `make bench-arrays` compares with). Both give the same bytes, which the
/// benchmark asserts and `test_image.py` checks against Pillow's algorithm.
#[cfg(target_feature = "simd128")]
#[path = "simd.rs"]
mod filters;
#[cfg(not(target_feature = "simd128"))]
#[path = "scalar.rs"]
mod filters;

/// `(sum + half) / window` for one byte: an `f32` division, which
/// WebAssembly's SIMD has (an integer one it has not). Exact: a sum is
/// under 2^20, so it and the window are exact `f32`s, and the quotient's
/// distance from the next integer (at least 1/(window × 255)) is far above
/// `f32`'s rounding, so truncating gives the integer quotient.
#[inline]
fn average(sum: u32, half: u32, window: f32) -> u8 {
    ((sum + half) as f32 / window) as u8
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
        filters::rows(&rgba, &mut tmp, w, r);
        let mut out = rgba;
        filters::columns(&tmp, &mut out, w, h, r);
        Ok(out)
    }

    fn grayscale(mut rgba: Vec<u8>) -> Vec<u8> {
        filters::grayscale(&mut rgba);
        rgba
    }
}

export!(Image);

//! The filters' loops with `simd128`: the four channels of a pixel are the
//! four lanes of one vector along rows, sixteen bytes of a row are four
//! vectors along columns, and four pixels' reds, greens and blues are three
//! vectors in the grayscale. Every lane computes what `scalar.rs` computes
//! for its byte, with the same exact `f32` division (`crate::average`).

use core::arch::wasm32::{
    f32x4_convert_u32x4, f32x4_div, f32x4_splat, i8x16_shuffle, i16x8_narrow_i32x4, i32x4_add,
    i32x4_mul, i32x4_sub, i32x4_trunc_sat_f32x4, u8x16_narrow_i16x8, u16x8_extend_high_u8x16,
    u16x8_extend_low_u8x16, u32x4_extend_high_u16x8, u32x4_extend_low_u16x8, u32x4_extract_lane,
    u32x4_splat, v128, v128_load, v128_store,
};

use crate::average;

/// The four bytes of pixel `i` of `line`, widened to four `u32` lanes.
#[inline]
fn pixel(line: &[u8], i: usize) -> v128 {
    let word = u32::from_le_bytes([
        line[4 * i],
        line[4 * i + 1],
        line[4 * i + 2],
        line[4 * i + 3],
    ]);
    u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(u32x4_splat(word)))
}

/// `(sum + half) / window` in every lane, truncated: `crate::average`.
#[inline]
fn averaged(sum: v128, half: v128, window: v128) -> v128 {
    i32x4_trunc_sat_f32x4(f32x4_div(f32x4_convert_u32x4(i32x4_add(sum, half)), window))
}

/// The box blur along rows: one running sum vector per line, edges clamped.
pub(crate) fn rows(src: &[u8], dst: &mut [u8], width: usize, r: usize) {
    let window = (2 * r + 1) as u32;
    let (half, windowf) = (u32x4_splat(window / 2), f32x4_splat(window as f32));
    for (line, out) in src
        .chunks_exact(4 * width)
        .zip(dst.chunks_exact_mut(4 * width))
    {
        let px = |i: usize| pixel(line, i.min(width - 1));
        let mut sum = u32x4_splat(0);
        for k in 0..=2 * r {
            sum = i32x4_add(sum, px(k.saturating_sub(r)));
        }
        for (i, o) in out.chunks_exact_mut(4).enumerate() {
            let q = averaged(sum, half, windowf);
            let narrow = i16x8_narrow_i32x4(q, q);
            let bytes = u32x4_extract_lane::<0>(u8x16_narrow_i16x8(narrow, narrow));
            o.copy_from_slice(&bytes.to_le_bytes());
            sum = i32x4_sub(i32x4_add(sum, px(i + r + 1)), px(i.saturating_sub(r)));
        }
    }
}

/// Sixteen bytes at the start of `bytes`.
#[inline]
fn load(bytes: &[u8]) -> v128 {
    assert!(bytes.len() >= 16);
    // SAFETY: the 16 bytes are in bounds (checked above); WebAssembly's
    // `v128.load` takes any alignment.
    unsafe { v128_load(bytes.as_ptr().cast()) }
}

/// The four `u32` vectors of sixteen bytes.
#[inline]
fn widened(v: v128) -> [v128; 4] {
    let (low, high) = (u16x8_extend_low_u8x16(v), u16x8_extend_high_u8x16(v));
    [
        u32x4_extend_low_u16x8(low),
        u32x4_extend_high_u16x8(low),
        u32x4_extend_low_u16x8(high),
        u32x4_extend_high_u16x8(high),
    ]
}

/// The box blur along columns: a running sum per byte of a row, sixteen
/// bytes (four vectors) at a step; the last bytes of a row that do not fill
/// sixteen run one at a time.
pub(crate) fn columns(src: &[u8], dst: &mut [u8], width: usize, height: usize, r: usize) {
    let stride = 4 * width;
    let (blocks, tail) = (stride / 16, stride % 16);
    let window = (2 * r + 1) as u32;
    let (half, windowf) = (window / 2, window as f32);
    let (halfv, windowv) = (u32x4_splat(half), f32x4_splat(windowf));
    let row = |y: usize| &src[y.min(height - 1) * stride..][..stride];
    let mut sums = vec![u32x4_splat(0); 4 * blocks];
    let mut tail_sums = vec![0u32; tail];
    let step = |sums: &mut [v128], tail_sums: &mut [u32], add: &[u8], sub: Option<&[u8]>| {
        for (j, s) in sums.chunks_exact_mut(4).enumerate() {
            let added = widened(load(&add[16 * j..]));
            let taken = sub.map(|sub| widened(load(&sub[16 * j..])));
            for lane in 0..4 {
                s[lane] = i32x4_add(s[lane], added[lane]);
                if let Some(taken) = taken {
                    s[lane] = i32x4_sub(s[lane], taken[lane]);
                }
            }
        }
        for (k, s) in tail_sums.iter_mut().enumerate() {
            *s += u32::from(add[16 * blocks + k]);
            if let Some(sub) = sub {
                *s -= u32::from(sub[16 * blocks + k]);
            }
        }
    };
    for k in 0..=2 * r {
        step(&mut sums, &mut tail_sums, row(k.saturating_sub(r)), None);
    }
    for (y, out) in dst.chunks_exact_mut(stride).enumerate() {
        for (j, s) in sums.chunks_exact(4).enumerate() {
            let q = [0, 1, 2, 3].map(|lane| averaged(s[lane], halfv, windowv));
            let bytes = u8x16_narrow_i16x8(
                i16x8_narrow_i32x4(q[0], q[1]),
                i16x8_narrow_i32x4(q[2], q[3]),
            );
            let block = &mut out[16 * j..][..16];
            // SAFETY: `block` is 16 bytes; `v128.store` takes any alignment.
            unsafe { v128_store(block.as_mut_ptr().cast(), bytes) };
        }
        for (o, &s) in out[16 * blocks..].iter_mut().zip(&tail_sums) {
            *o = average(s, half, windowf);
        }
        step(
            &mut sums,
            &mut tail_sums,
            row(y + r + 1),
            Some(row(y.saturating_sub(r))),
        );
    }
}

/// The low four bytes of `v`, widened to four `u32` lanes.
#[inline]
fn low_bytes(v: v128) -> v128 {
    u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(v))
}

/// Each pixel's red, green and blue become its integer luma, alpha stays:
/// four pixels at a step, the last ones that do not fill four one at a time.
pub(crate) fn grayscale(rgba: &mut [u8]) {
    let (half, thousand) = (u32x4_splat(500), f32x4_splat(1000.0));
    let weights = [u32x4_splat(299), u32x4_splat(587), u32x4_splat(114)];
    let mut blocks = rgba.chunks_exact_mut(16);
    for block in &mut blocks {
        let v = load(block);
        // The reds, greens and blues of the four pixels, each in the low
        // four bytes of a vector.
        let red = low_bytes(i8x16_shuffle::<
            0,
            4,
            8,
            12,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        >(v, v));
        let green = low_bytes(i8x16_shuffle::<
            1,
            5,
            9,
            13,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        >(v, v));
        let blue = low_bytes(i8x16_shuffle::<
            2,
            6,
            10,
            14,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        >(v, v));
        let luma = i32x4_add(
            i32x4_add(i32x4_mul(red, weights[0]), i32x4_mul(green, weights[1])),
            i32x4_mul(blue, weights[2]),
        );
        let q = averaged(luma, half, thousand);
        let narrow = i16x8_narrow_i32x4(q, q);
        let bytes = u8x16_narrow_i16x8(narrow, narrow);
        // Each pixel: its luma three times, then its own alpha (byte 16 + 4k + 3
        // of the second operand).
        let out = i8x16_shuffle::<0, 0, 0, 19, 1, 1, 1, 23, 2, 2, 2, 27, 3, 3, 3, 31>(bytes, v);
        // SAFETY: `block` is 16 bytes; `v128.store` takes any alignment.
        unsafe { v128_store(block.as_mut_ptr().cast(), out) };
    }
    for px in blocks.into_remainder().chunks_exact_mut(4) {
        let luma = 299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
        px[..3].fill(average(luma, 500, 1000.0));
    }
}

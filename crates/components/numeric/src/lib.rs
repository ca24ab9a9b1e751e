//! Numeric kernels over lists of numbers (`numeric.wasm`). Built with
//! `-C target-feature=+simd128` (the Makefile's `COMPONENT_RUSTFLAGS`), the
//! loops below compile to WebAssembly's 128-bit SIMD: each is written so
//! that the compiler vectorizes it (independent lanes, no early exits).

wit_bindgen::generate!({ world: "numeric", path: "wit" });

struct Numeric;

/// Lanes of the partial sums: two `v128`s of `f32`, so additions overlap.
const LANES: usize = 8;

impl Guest for Numeric {
    fn scale(mut v: Vec<f64>, k: f64) -> Vec<f64> {
        for x in &mut v {
            *x *= k;
        }
        v
    }

    fn sum_f32(v: Vec<f32>) -> f32 {
        let mut lanes = [0f32; LANES];
        let chunks = v.chunks_exact(LANES);
        let rest: f32 = chunks.remainder().iter().sum();
        for chunk in chunks {
            for (lane, x) in lanes.iter_mut().zip(chunk) {
                *lane += x;
            }
        }
        lanes.iter().sum::<f32>() + rest
    }

    fn dot(a: Vec<f64>, b: Vec<f64>) -> Result<f64, String> {
        if a.len() != b.len() {
            return Err(format!(
                "a has {} elements and b has {}; they must match",
                a.len(),
                b.len()
            ));
        }
        let mut lanes = [0f64; 4];
        let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
        let rest: f64 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .map(|(x, y)| x * y)
            .sum();
        for (x, y) in ca.zip(cb) {
            for i in 0..4 {
                lanes[i] += x[i] * y[i];
            }
        }
        Ok(lanes.iter().sum::<f64>() + rest)
    }

    fn histogram_u16(v: Vec<u16>, bins: u32) -> Result<Vec<u32>, String> {
        if !(1..=65536).contains(&bins) {
            return Err(format!("bins must be in [1, 65536], got {bins}"));
        }
        // Bin of x: x * bins / 65536, exact in u32 (x * bins < 2^32).
        let mut counts = vec![0u32; bins as usize];
        for &x in &v {
            counts[((u32::from(x) * bins) >> 16) as usize] += 1;
        }
        Ok(counts)
    }

    fn correlate(signal: Vec<f32>, kernel: Vec<f32>) -> Result<Vec<f32>, String> {
        if kernel.is_empty() || kernel.len() > signal.len() {
            return Err(format!(
                "the kernel has {} elements; it needs at least 1 and at most the signal's {}",
                kernel.len(),
                signal.len()
            ));
        }
        let n = signal.len() - kernel.len() + 1;
        let mut out = vec![0f32; n];
        // Kernel tap by tap over the whole output: each inner loop is
        // contiguous and independent across outputs, so it vectorizes.
        for (j, &k) in kernel.iter().enumerate() {
            for (o, &s) in out.iter_mut().zip(&signal[j..j + n]) {
                *o += k * s;
            }
        }
        Ok(out)
    }
}

export!(Numeric);

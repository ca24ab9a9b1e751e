use std::time::Instant;
fn t(f: extern "C" fn(u32) -> u32, n: u32) -> f64 { let mut v = vec![]; for _ in 0..5 { let s = Instant::now(); std::hint::black_box(f(n)); v.push(s.elapsed().as_secs_f64()*1e3);} v.sort_by(f64::total_cmp); v[2] }
fn main() {
    use bigint_wasm::*;
    for (name, f, n) in [
        ("nb_fd_compute", nb_fd_compute as extern "C" fn(u32)->u32, 1_000_000), ("nb_fd_decimal", nb_fd_decimal, 1_000_000),
        ("ib_fd_compute", ib_fd_compute, 1_000_000), ("ib_fd_decimal", ib_fd_decimal, 1_000_000),
        ("nb_it_compute", nb_it_compute, 100_000), ("nb_it_decimal", nb_it_decimal, 100_000),
        ("ib_it_compute", ib_it_compute, 100_000), ("ib_it_decimal", ib_it_decimal, 100_000)] {
        println!("native {name} {n} {:.2} ms", t(f, n));
    }
}

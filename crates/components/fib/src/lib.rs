//! The Fibonacci kernels as a component (`fib.wasm`): `fib(n, algorithm)`
//! returns the decimal digits of F(n), or an error that names the limit.

wit_bindgen::generate!({ world: "fib", path: "wit" });

struct Fib;

impl Guest for Fib {
    fn fib(n: u32, algorithm: Algorithm) -> Result<String, String> {
        let algorithm = match algorithm {
            Algorithm::Iterative => fib_kernels::Algorithm::Iterative,
            Algorithm::Recursive => fib_kernels::Algorithm::Recursive,
            Algorithm::FastDoubling => fib_kernels::Algorithm::FastDoubling,
        };
        fib_kernels::decimal(algorithm, n).map_err(|e| e.to_string())
    }
}

export!(Fib);

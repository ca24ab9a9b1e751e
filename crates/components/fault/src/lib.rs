//! A guest that misbehaves on purpose (`fault.wasm`), and probes the WASI
//! policy: what it can and cannot reach.

use std::io::{Read, Write};

wit_bindgen::generate!({ world: "fault", path: "wit" });

struct Fault;

impl Guest for Fault {
    fn panic(message: String) {
        panic!("{message}");
    }

    fn spin() {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    fn busy(ms: u32) -> u32 {
        let until = std::time::Instant::now() + std::time::Duration::from_millis(u64::from(ms));
        let mut n: u64 = 0;
        while std::time::Instant::now() < until {
            n = std::hint::black_box(n.wrapping_add(1));
        }
        ms
    }

    fn grow(mib: u32) -> u32 {
        let mut held: Vec<Vec<u8>> = Vec::new();
        for i in 0..mib {
            held.push(vec![i as u8; 1 << 20]);
        }
        std::hint::black_box(&held);
        mib
    }

    fn read_file(path: String) -> Result<String, String> {
        std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))
    }

    fn write_file(path: String, contents: String) -> Result<(), String> {
        std::fs::write(path, contents).map_err(|e| e.to_string())
    }

    fn environment() -> Vec<(String, String)> {
        std::env::vars().collect()
    }

    fn arguments() -> Vec<String> {
        std::env::args().collect()
    }

    fn read_stdin() -> u32 {
        let mut input = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut input);
        input.len() as u32
    }

    fn chatter(line: String, count: u32) -> u32 {
        for _ in 0..count {
            let _ = writeln!(std::io::stdout(), "{line}");
            let _ = writeln!(std::io::stderr(), "{line}");
        }
        count
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    }

    fn random() -> u64 {
        std::collections::hash_map::RandomState::new().hash_one(0_u8)
    }

    fn connect(address: String) -> Result<(), String> {
        std::net::TcpStream::connect(&address)
            .map(drop)
            .map_err(|e| format!("{address}: {e}"))
    }
}

use std::hash::BuildHasher as _;

export!(Fault);

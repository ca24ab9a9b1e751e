//! Every WIT type there and back (`echo.wasm`): the value mapping's
//! round-trip tests, the property tests, and the call benchmarks.

wit_bindgen::generate!({ world: "echo", path: "wit" });

use exports::fastwasm::echo::{api, counters};

struct Echo;

impl Guest for Echo {
    fn echo_bool(v: bool) -> bool {
        v
    }
    fn echo_s8(v: i8) -> i8 {
        v
    }
    fn echo_u8(v: u8) -> u8 {
        v
    }
    fn echo_s16(v: i16) -> i16 {
        v
    }
    fn echo_u16(v: u16) -> u16 {
        v
    }
    fn echo_s32(v: i32) -> i32 {
        v
    }
    fn echo_u32(v: u32) -> u32 {
        v
    }
    fn echo_s64(v: i64) -> i64 {
        v
    }
    fn echo_u64(v: u64) -> u64 {
        v
    }
    fn echo_f32(v: f32) -> f32 {
        v
    }
    fn echo_f64(v: f64) -> f64 {
        v
    }
    fn echo_char(v: char) -> char {
        v
    }
    fn echo_string(v: String) -> String {
        v
    }
    fn echo_bytes(v: Vec<u8>) -> Vec<u8> {
        v
    }
    fn echo_list(v: Vec<i32>) -> Vec<i32> {
        v
    }
    fn echo_s8s(v: Vec<i8>) -> Vec<i8> {
        v
    }
    fn echo_u16s(v: Vec<u16>) -> Vec<u16> {
        v
    }
    fn echo_s16s(v: Vec<i16>) -> Vec<i16> {
        v
    }
    fn echo_u32s(v: Vec<u32>) -> Vec<u32> {
        v
    }
    fn echo_s64s(v: Vec<i64>) -> Vec<i64> {
        v
    }
    fn echo_u64s(v: Vec<u64>) -> Vec<u64> {
        v
    }
    fn echo_f32s(v: Vec<f32>) -> Vec<f32> {
        v
    }
    fn echo_f64s(v: Vec<f64>) -> Vec<f64> {
        v
    }
    fn echo_tuple(v: (u8, String, f64)) -> (u8, String, f64) {
        v
    }
    fn echo_point(v: Point) -> Point {
        v
    }
    fn echo_ten(v: Ten) -> Ten {
        v
    }
    fn echo_points(v: Vec<Point>) -> Vec<Point> {
        v
    }
    fn echo_person(v: Person) -> Person {
        v
    }
    fn echo_color(v: Color) -> Color {
        v
    }
    fn echo_perms(v: Perms) -> Perms {
        v
    }
    fn echo_shape(v: Shape) -> Shape {
        v
    }
    fn echo_option(v: Option<String>) -> Option<String> {
        v
    }
    fn echo_results(v: Vec<Result<u32, String>>) -> Vec<Result<u32, String>> {
        v
    }
    fn echo_bare_results(v: Vec<Result<(), String>>) -> Vec<Result<(), String>> {
        v
    }
    fn describe(name: String, count: u32, ratio: f64, on: bool) -> String {
        format!(
            "{name}: {count} at {ratio} ({})",
            if on { "on" } else { "off" }
        )
    }
    fn checked_div(a: i32, b: i32) -> Result<i32, String> {
        a.checked_div(b)
            .ok_or_else(|| format!("cannot divide {a} by {b}"))
    }
    fn validate(text: String) -> Result<(), String> {
        if text.is_empty() {
            Err("the text is empty".into())
        } else {
            Ok(())
        }
    }
    fn find_byte(data: Vec<u8>, needle: u8) -> Option<u32> {
        data.iter()
            .position(|&b| b == needle)
            .and_then(|i| u32::try_from(i).ok())
    }
    fn first_byte(data: Vec<u8>) -> Option<u8> {
        data.first().copied()
    }
    fn first_char(text: String) -> Option<char> {
        text.chars().next()
    }
    fn parse_bool(text: String) -> Result<bool, String> {
        text.parse()
            .map_err(|_| format!("{text:?} is neither true nor false"))
    }
    fn checked_add_u16(a: u16, b: u16) -> Result<u16, String> {
        a.checked_add(b)
            .ok_or_else(|| format!("{a} + {b} overflows u16"))
    }
    fn checked_mul_u64(a: u64, b: u64) -> Option<u64> {
        a.checked_mul(b)
    }
    fn nothing() -> u32 {
        42
    }
    fn reverse(text: String) -> String {
        text.chars().rev().collect()
    }
    fn xor_bytes(mut data: Vec<u8>, key: u8) -> Vec<u8> {
        for byte in &mut data {
            *byte ^= key;
        }
        data
    }
    fn sum_points(points: Vec<Point>) -> f64 {
        points.iter().map(|p| p.x + p.y).sum()
    }
}

impl api::Guest for Echo {
    fn greet(name: String) -> String {
        format!("Hello, {name}!")
    }
}

/// How many counters this instance holds (each instance has its own).
static LIVE_COUNTERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The echo component's resource.
struct Counter(std::cell::Cell<u32>);

impl Counter {
    fn starting_at(start: u32) -> Self {
        LIVE_COUNTERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(std::cell::Cell::new(start))
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        LIVE_COUNTERS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl counters::GuestCounter for Counter {
    fn new(start: u32) -> Self {
        Self::starting_at(start)
    }
    fn up(&self) -> u32 {
        self.0.set(self.0.get().wrapping_add(1));
        self.0.get()
    }
    fn value(&self) -> u32 {
        self.0.get()
    }
    fn add(&self, other: counters::CounterBorrow<'_>) -> u32 {
        let other = other.get::<Counter>().0.get();
        self.0.set(self.0.get().wrapping_add(other));
        self.0.get()
    }
    fn sum(a: counters::CounterBorrow<'_>, b: counters::CounterBorrow<'_>) -> counters::Counter {
        let total = a
            .get::<Counter>()
            .0
            .get()
            .wrapping_add(b.get::<Counter>().0.get());
        counters::Counter::new(Self::starting_at(total))
    }
    fn boom(&self) {
        panic!("boom, with the counter at {}", self.0.get());
    }
    fn spin(&self, rounds: u64) -> u32 {
        for _ in 0..rounds {
            self.0
                .set(std::hint::black_box(self.0.get()).wrapping_add(1));
        }
        self.0.get()
    }
    fn siblings(&self) -> u32 {
        LIVE_COUNTERS.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl counters::Guest for Echo {
    type Counter = Counter;
    fn make_counter() -> counters::Counter {
        counters::Counter::new(Counter::starting_at(0))
    }
    fn consume(c: counters::Counter) -> u32 {
        c.get::<Counter>().0.get()
    }
    fn total(
        p: counters::Pair<'_>,
        lent: Vec<counters::CounterBorrow<'_>>,
        given: Vec<counters::Counter>,
        maybe: Option<counters::Counter>,
        fallible: Result<counters::Counter, String>,
        pairs: (counters::CounterBorrow<'_>, counters::Counter),
        e: counters::Either<'_>,
    ) -> u32 {
        let value = |c: &Counter| c.0.get();
        let mut sum = value(p.lent.get()) + value(p.given.get());
        sum += lent.iter().map(|c| value(c.get())).sum::<u32>();
        sum += given.iter().map(|c| value(c.get())).sum::<u32>();
        sum += maybe.map_or(0, |c| value(c.get()));
        sum += fallible.map_or(0, |c| value(c.get()));
        sum += value(pairs.0.get()) + value(pairs.1.get());
        sum + match e {
            counters::Either::Lent(c) => value(c.get()),
            counters::Either::Given(c) => value(c.get()),
        }
    }
    fn live_counters() -> u32 {
        LIVE_COUNTERS.load(std::sync::atomic::Ordering::Relaxed)
    }
}

export!(Echo);

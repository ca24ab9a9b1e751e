//! A spell-check kernel with state: a dictionary resource, built once from a
//! word list or from a file the host granted, then queried. The sets are
//! `fst::Set`s (sorted, compressed, with Levenshtein search).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};

use fst::automaton::{Automaton, Levenshtein};
use fst::{IntoStreamer, Set, SetBuilder, Streamer};

wit_bindgen::generate!({ path: "wit", world: "words" });

use exports::fastwasm::words::dictionaries::{self, DictionaryBorrow};

struct Words;

/// How many dictionaries this instance holds.
static LIVE: AtomicU32 = AtomicU32::new(0);

struct Dictionary(Set<Vec<u8>>);

impl Dictionary {
    fn of(set: Set<Vec<u8>>) -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Self(set)
    }

    fn from_words(words: impl IntoIterator<Item = String>) -> Self {
        let mut words: Vec<String> = words.into_iter().collect();
        words.sort_unstable();
        words.dedup();
        // Sorted and unique: the builder cannot fail on them.
        let set = Set::from_iter(words).unwrap_or_default();
        Self::of(set)
    }

    /// Collects a stream of words into a new dictionary.
    fn collect<S>(mut stream: S) -> Self
    where
        S: for<'a> Streamer<'a, Item = &'a [u8]>,
    {
        let mut builder = SetBuilder::memory();
        while let Some(word) = stream.next() {
            // A stream of an fst set is sorted and unique.
            let _ = builder.insert(word);
        }
        Self::of(builder.into_set())
    }

    fn words<S>(mut stream: S, limit: u32) -> Vec<String>
    where
        S: for<'a> Streamer<'a, Item = &'a [u8]>,
    {
        let mut found = Vec::new();
        while found.len() < limit as usize
            && let Some(word) = stream.next()
        {
            found.push(String::from_utf8_lossy(word).into_owned());
        }
        found
    }
}

impl Drop for Dictionary {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl dictionaries::GuestDictionary for Dictionary {
    fn new(words: Vec<String>) -> Self {
        Self::from_words(words)
    }

    fn open(path: String) -> Result<dictionaries::Dictionary, String> {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let words = text
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned);
        Ok(dictionaries::Dictionary::new(Self::from_words(words)))
    }

    fn contains(&self, word: String) -> bool {
        self.0.contains(word)
    }

    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn starting_with(&self, prefix: String, limit: u32) -> Vec<String> {
        let automaton = fst::automaton::Str::new(&prefix).starts_with();
        Self::words(self.0.search(automaton).into_stream(), limit)
    }

    fn suggest(&self, word: String, distance: u32, limit: u32) -> Result<Vec<String>, String> {
        let automaton = Levenshtein::new(&word, distance).map_err(|e| e.to_string())?;
        Ok(Self::words(self.0.search(automaton).into_stream(), limit))
    }

    fn unknown(&self, text: String) -> Vec<String> {
        let mut seen = HashSet::new();
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .filter(|w| !self.0.contains(w) && seen.insert(w.clone()))
            .collect()
    }

    fn union(a: DictionaryBorrow<'_>, b: DictionaryBorrow<'_>) -> dictionaries::Dictionary {
        let (a, b) = (&a.get::<Self>().0, &b.get::<Self>().0);
        dictionaries::Dictionary::new(Self::collect(a.op().add(b).union()))
    }

    fn intersection(a: DictionaryBorrow<'_>, b: DictionaryBorrow<'_>) -> dictionaries::Dictionary {
        let (a, b) = (&a.get::<Self>().0, &b.get::<Self>().0);
        dictionaries::Dictionary::new(Self::collect(a.op().add(b).intersection()))
    }
}

impl dictionaries::Guest for Words {
    type Dictionary = Dictionary;

    fn live() -> u32 {
        LIVE.load(Ordering::Relaxed)
    }
}

export!(Words);

"""The words component: a dictionary resource (`fst` sets behind a WIT
resource with a constructor, methods and static functions of two borrows),
built from a list or from a file in a granted directory. Its state persists
across calls, destructors run, the live-resource cap holds, and after a
fault in a method every object of that instance raises `ResourceError`
while the pool serves on. Also the spell-check example that uses it."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import fastwasm

ROOT = Path(__file__).resolve().parents[2]
WORDS = Path(fastwasm.__file__).with_name("components") / "words.wasm"
EXAMPLE = ROOT / "examples" / "spellcheck"
LIVE = "fastwasm:words/dictionaries@0.1.0/live"


def load(tmp_path: Path | None = None, **runtime: Any) -> fastwasm.Component:
    dirs = {tmp_path: "/data"} if tmp_path else None
    component = fastwasm.Runtime(pool_size=1, use_cache=False, **runtime).load(WORDS, dirs=dirs)
    assert isinstance(component, fastwasm.Component)
    return component


def test_a_dictionary_keeps_its_words_across_calls(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("pear\napple\n\nplum\napple\n")
    words = load(tmp_path)
    dictionary = words.resource("dictionary")
    assert dictionary.methods == ["contains", "len", "starting_with", "suggest", "unknown"]
    assert dictionary.statics == ["open", "union", "intersection"]
    fruit = dictionary.open("/data/words.txt")
    assert fruit.len() == 3
    assert [fruit.contains(w) for w in ("apple", "grape")] == [True, False]
    assert fruit.starting_with("p", 10) == ["pear", "plum"]
    assert fruit.suggest("aple", 1, 5) == ["apple"]
    assert fruit.unknown("Apple, pear; GRAPE and grape") == ["grape", "and"]
    with pytest.raises(fastwasm.GuestError, match=r"missing\.txt"):
        dictionary.open("/data/missing.txt")


def test_static_functions_take_two_borrows_and_give_a_new_dictionary() -> None:
    dictionary = load().resource("dictionary")
    a = dictionary(["apple", "pear", "plum"])
    b = dictionary.beside(a, ["plum", "fig"])
    both = dictionary.intersection(a, b)
    either = dictionary.union(a, b)
    assert both.starting_with("", 10) == ["plum"]
    assert either.starting_with("", 10) == ["apple", "fig", "pear", "plum"]
    assert (a.len(), b.len()) == (3, 2)


def test_the_destructor_runs_and_the_instance_goes_back_clean() -> None:
    words = load()
    dictionary = words.resource("dictionary")
    a = dictionary(["one"])
    b = dictionary.beside(a, ["two"])
    del b
    gc.collect()
    with dictionary.beside(a, ["three"]) as c:
        assert c.len() == 1
    a.close()
    assert words.pool_stats().busy == 0
    # The same instance (a pool of one): every destructor ran in it.
    assert words.call(LIVE) == 0


def test_the_live_resource_cap_holds() -> None:
    dictionary = load(max_resources=3).resource("dictionary")
    held = [dictionary([str(i)]) for i in range(3)]
    with pytest.raises(fastwasm.WasmResourceLimit, match="max_resources"):
        dictionary(["four"])
    held.pop().close()
    held.append(dictionary(["four"]))


def test_after_a_fault_in_a_method_a_stale_object_says_so_and_the_pool_serves_on() -> None:
    words = load(max_memory_mb=8)
    dictionary = words.resource("dictionary")
    small = dictionary(["apple"])
    sibling = dictionary.beside(small, ["pear"])
    # Far more than 8 MiB of words: the memory cap stops it.
    with pytest.raises(fastwasm.WasmMemoryLimit):
        dictionary.beside(small, [f"word{i:09d}" for i in range(400_000)])
    for stale in (small, sibling):
        with pytest.raises(fastwasm.ResourceError, match=r"thrown away when .* failed"):
            stale.len()
    fresh = dictionary(["fig"])
    assert fresh.contains("fig")
    assert words.pool_stats().memory_limits == 1


def test_the_granted_directory_is_all_it_can_read(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("ok\n")
    dictionary = load(tmp_path).resource("dictionary")
    for outside in ("/data/../etc/passwd", "/etc/passwd", "../words.txt"):
        with pytest.raises(fastwasm.GuestError):
            dictionary.open(outside)
    assert dictionary.open("/data/words.txt").len() == 1


def test_the_spellcheck_example_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE / "spellcheck.py"), "The quik brwn fox jumsp over the lazy dog"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert out.splitlines() == ["quik: quick", "brwn: brown", "jumsp: (no suggestion)"]

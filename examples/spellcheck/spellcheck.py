"""Spell-checks text with the words component: a dictionary resource built
once from a word list in a directory the component is granted (read-only),
then queried; its state lives in one instance across calls.

    python examples/spellcheck/spellcheck.py "The quick brwn fox jumsp over the lazy dog"
"""

from __future__ import annotations

import sys
from pathlib import Path

import fastwasm

HERE = Path(__file__).resolve().parent
WORDS = Path(fastwasm.__file__).with_name("components") / "words.wasm"


def check(text: str) -> dict[str, list[str]]:
    """Each word of `text` the dictionary does not hold, with its suggestions."""
    runtime = fastwasm.Runtime()
    # The component sees HERE/dictionary as /dictionary, read-only; nothing else.
    words = runtime.load(WORDS, dirs={HERE / "dictionary": "/dictionary"})
    assert isinstance(words, fastwasm.Component)
    dictionary = words.resource("dictionary")
    with dictionary.open("/dictionary/words.txt") as english:
        return {word: english.suggest(word, 1, 3) for word in english.unknown(text)}


if __name__ == "__main__":
    text = " ".join(sys.argv[1:]) or "The quick brwn fox jumsp over the lazy dog"
    for word, suggestions in check(text).items():
        print(f"{word}: {', '.join(suggestions) or '(no suggestion)'}")

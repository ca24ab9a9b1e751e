"""The report's one rule for "faster", and the words it turns verdicts into:
a tie whenever the spreads touch or the medians are within the margin, a
target met only when every round meets it."""

from __future__ import annotations

from bench.suite import report
from bench.suite.report_format import compare, judge, noise_reason, versus
from bench.suite.report_micro import crossover


def test_overlapping_spreads_tie_however_far_apart_the_medians() -> None:
    assert compare([1.0, 1.0, 3.0], [2.0, 2.0, 2.0]) == "tie"


def test_disjoint_spreads_within_the_margin_tie() -> None:
    assert compare([1.00, 1.01], [1.02, 1.03]) == "tie"


def test_disjoint_spreads_beyond_the_margin_decide() -> None:
    assert compare([1.0, 1.1], [2.0, 2.1]) == "faster"
    assert compare([2.0, 2.1], [1.0, 1.1]) == "slower"
    assert compare([200.0, 210.0], [100.0, 110.0], higher_is_better=True) == "faster"


def test_versus_words_the_verdict() -> None:
    assert versus([1.0, 1.1], [2.0, 2.2]) == "2.00× faster"
    assert versus([2.0, 2.2], [1.0, 1.1]) == "2.00× slower"
    assert versus([1.0, 3.0], [2.0, 2.0]) == "1.00×, a tie"


def test_a_target_is_met_only_in_every_round() -> None:
    assert judge([1.0, 1.2, 0.9], ">=", 0.8)
    assert not judge([1.04, 1.04, 0.76], ">=", 0.8)
    assert not judge([1.3, 1.5], "<=", 1.4)


def test_a_missed_target_blames_the_noise_only_when_its_median_meets_it() -> None:
    reason = noise_reason("fast", [1.0, 1.1, 1.3], "<=", 1.2, "1.10×")
    assert reason is not None
    assert "1 of 3 rounds miss it (the weakest: 1.3)" in reason
    assert noise_reason("fast", [1.25, 1.3, 1.1], "<=", 1.2, "1.25×") is None
    assert "the weakest: 0.9" in (noise_reason("more", [0.9, 2.0, 2.0], ">=", 1.0, "2.00×") or "")


def test_a_crossover_names_the_point_wins_run_from_or_where_it_does_not() -> None:
    assert crossover([(10, "tie"), (20, "faster"), (30, "faster")]) == "faster from n = 20"
    assert crossover([(10, "faster"), (20, "faster"), (30, "tie")]) == (
        "not faster up to the sweep's end (faster at n = 10, 20; tie at n = 30)"
    )


def test_an_indented_end_marker_keeps_its_indentation() -> None:
    start, end = report.marker("x")
    text = f"- item\n  {start}\n  line\n  {end}\nafter\n"
    assert report.between(text, "x") == "  line\n"

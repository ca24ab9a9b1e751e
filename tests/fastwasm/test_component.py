"""fastwasm.Component: any component, called with typed Python values.

One test per row of the value mapping (docs/components.md), through the echo
component; the errors, which name the parameter and the path inside it;
the fault component's faults and the WASI policy; and property tests that
send random values of every type there and back, and random malformed values
that must fail cleanly and leave the pool healthy."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastwasm
from spinning import spinning

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = ROOT / "tests" / "components" / "fault.wasm"


def test_load_gives_a_component_or_a_module(component_runtime: fastwasm.Runtime) -> None:
    runtime = component_runtime
    assert isinstance(runtime.load(COMPONENTS / "fib.wasm"), fastwasm.Component)
    assert isinstance(runtime.load_bytes((COMPONENTS / "fib.wasm").read_bytes()), fastwasm.Component)
    assert isinstance(runtime.load_bytes(b"(module)"), fastwasm.Module)


def test_exports_describe_each_function(echo: fastwasm.Component) -> None:
    exports = {e.name: e for e in echo.exports}
    div = exports["checked-div"]
    assert div.params == (("a", "s32"), ("b", "s32"))
    assert div.result == "result<s32, string>"
    assert div.signature == "func(a: s32, b: s32) -> result<s32, string>"
    assert div.unsupported is None
    assert exports["fastwasm:echo/api@0.1.0/greet"].signature == "func(name: string) -> string"
    assert exports["xor-bytes"].fast_path
    make = exports["fastwasm:echo/counters@0.1.0/make-counter"]
    assert make.unsupported is None
    assert make.resources
    assert not div.resources


TEN = {"a": 1, "b": -2, "c": 3, "d": -4, "e": 5, "f": -6, "g": 2**64 - 1, "h": -(2**63), "i": 0.5, "j": "ten"}


@pytest.mark.parametrize(
    ("function", "given", "expected"),
    [
        ("echo-bool", True, True),
        ("echo-s8", -128, -128),
        ("echo-u8", 255, 255),
        ("echo-s16", -32768, -32768),
        ("echo-u16", 65535, 65535),
        ("echo-s32", -(2**31), -(2**31)),
        ("echo-u32", 2**32 - 1, 2**32 - 1),
        ("echo-s64", -(2**63), -(2**63)),
        ("echo-u64", 2**64 - 1, 2**64 - 1),
        ("echo-f32", 1.5, 1.5),
        ("echo-f64", 3, 3.0),  # an int is accepted for a float
        ("echo-char", "é", "é"),
        ("echo-string", "héllo", "héllo"),
        ("echo-bytes", b"\x00\xff", b"\x00\xff"),
        ("echo-bytes", bytearray(b"ab"), b"ab"),
        ("echo-bytes", memoryview(b"cd"), b"cd"),
        ("echo-list", [1, -2, 3], [1, -2, 3]),
        ("echo-list", (4, 5), [4, 5]),
        ("echo-tuple", (1, "a", 2.5), (1, "a", 2.5)),
        ("echo-tuple", [1, "a", 2.5], (1, "a", 2.5)),
        ("echo-point", {"x": 1.0, "y": 2.0}, {"x": 1.0, "y": 2.0}),
        ("echo-ten", TEN, TEN),
        ("echo-color", "dark-blue", "dark-blue"),
        ("echo-color", "dark_blue", "dark-blue"),  # snake_case spelling in
        ("echo-perms", {"read", "exec"}, {"read", "exec"}),
        ("echo-perms", frozenset({"write"}), {"write"}),
        ("echo-perms", ["read", "read"], {"read"}),
        ("echo-shape", {"circle": 2.0}, {"circle": 2.0}),
        ("echo-shape", {"rect": {"x": 1.0, "y": 1.0}}, {"rect": {"x": 1.0, "y": 1.0}}),
        ("echo-shape", "empty", "empty"),  # a case without payload: its bare name
        ("echo-option", None, None),
        ("echo-option", "some", "some"),
        ("echo-results", [{"ok": 1}, {"err": "no"}], [{"ok": 1}, {"err": "no"}]),
        ("echo-bare-results", [{"ok": None}, {"err": "e"}], [{"ok": None}, {"err": "e"}]),
    ],
)
def test_every_row_of_the_mapping_goes_there_and_back(
    echo: fastwasm.Component, function: str, given: Any, expected: Any
) -> None:
    assert echo.call(function, given) == expected
    assert type(echo.call(function, given)) is type(expected)


def test_a_record_takes_wit_or_snake_case_field_names_and_gives_snake_case(echo: fastwasm.Component) -> None:
    expected = {"first_name": "Ada", "age_years": 36}
    assert echo.call("echo-person", {"first-name": "Ada", "age-years": 36}) == expected
    assert echo.call("echo-person", {"first_name": "Ada", "age_years": 36}) == expected
    with pytest.raises(TypeError, match=r"argument v\.age_years: missing field"):
        echo.call("echo-person", {"first_name": "Ada"})


def test_a_top_level_result_returns_ok_or_raises_guest_error(echo: fastwasm.Component) -> None:
    assert echo.call("checked-div", 7, 2) == 3
    with pytest.raises(fastwasm.GuestError) as error:
        echo.call("checked-div", 7, 0)
    assert error.value.value == "cannot divide 7 by 0"
    assert (error.value.kind, error.value.http_status, error.value.function) == ("guest_error", 400, "checked-div")
    assert isinstance(error.value, fastwasm.WasmError)
    assert echo.call("validate", "text") is None
    with pytest.raises(fastwasm.GuestError, match="the text is empty"):
        echo.call("validate", "")


def test_arguments_by_position_or_name_in_either_spelling(echo: fastwasm.Component) -> None:
    expected = "n: 3 at 0.5 (on)"
    assert echo.call("describe", "n", 3, 0.5, True) == expected
    assert echo.call("describe", name="n", count=3, ratio=0.5, on=True) == expected
    assert echo.call("describe", "n", 3, ratio=0.5, on=True) == expected
    assert echo.call("checked_div", a=9, b=3) == 3
    assert echo.call("fastwasm:echo/api@0.1.0/greet", "you") == "Hello, you!"
    with pytest.raises(TypeError, match="missing its argument on"):
        echo.call("describe", "n", 3, 0.5)
    with pytest.raises(TypeError, match='describe got "name" twice'):
        echo.call("describe", "n", 3, 0.5, True, name="m")
    with pytest.raises(TypeError, match='echo-color has no parameter "colour"'):
        echo.call("echo-color", colour="red")
    with pytest.raises(TypeError, match="takes 2 arguments, got 3"):
        echo.call("checked-div", 1, 2, 3)
    with pytest.raises(fastwasm.ModuleError, match="no exported function `nope`"):
        echo.call("nope")


@pytest.mark.parametrize(
    ("function", "given", "error", "message"),
    [
        ("echo-u8", 256, ValueError, "argument v: 256 does not fit in u8"),
        ("echo-u8", -1, ValueError, "argument v: -1 does not fit in u8"),
        ("echo-u8", True, TypeError, "argument v: expected an int for u8, got bool"),
        ("echo-u8", 1.0, TypeError, "argument v: expected an int for u8, got float"),
        ("echo-bool", 1, TypeError, "argument v: expected a bool, got int"),
        ("echo-f32", 1e300, ValueError, "argument v: 1e300 does not fit in f32 (largest: 3.4028235e38)"),
        ("echo-char", "ab", ValueError, "argument v: a char is a str of length 1, got 2 characters"),
        ("echo-string", b"x", TypeError, "argument v: expected a str, got bytes"),
        ("echo-bytes", "x", TypeError, "argument v: expected bytes, bytearray or memoryview for list<u8>, got str"),
        ("echo-list", [1, "2"], TypeError, "argument v[1]: expected an int for s32, got str"),
        ("echo-tuple", (1, "a"), ValueError, "argument v: expected 3 items, got 2"),
        ("echo-points", [{"x": 1, "y": 2}, {"x": 1}], TypeError, "argument v[1].y: missing field"),
        ("echo-points", [{"x": 1, "y": "2"}], TypeError, "argument v[0].y: expected a float (or an int), got str"),
        ("echo-point", {"x": 1, "y": 2, "z": 3}, ValueError, 'argument v: unknown field "z": the record has x, y'),
        (
            "echo-person",
            {"first_name": "A", "first-name": "B", "age_years": 1},
            ValueError,
            "argument v: field first_name given twice",
        ),
        ("echo-color", "purple", ValueError, 'argument v: "purple" is not a case of this enum'),
        ("echo-perms", {"fly"}, ValueError, 'argument v: "fly" is not a flag of these flags'),
        ("echo-perms", "read", TypeError, "argument v: expected a set, frozenset or list of flag names"),
        ("echo-shape", {"circle": "big"}, TypeError, "argument v.circle: expected a float (or an int), got str"),
        ("echo-shape", {"square": 1}, ValueError, 'argument v: "square" is not a case of this variant'),
        (
            "echo-shape",
            "circle",
            TypeError,
            'argument v: expected a dict {"circle": payload} (this case needs a payload), got str',
        ),
        ("echo-shape", {"empty": 1}, TypeError, "argument v.empty: expected None (this case has no payload), got int"),
        ("echo-results", [{"maybe": 1}], ValueError, 'argument v[0]: "maybe" is not "ok" or "err"'),
        (
            "echo-results",
            [{"ok": 1, "err": "x"}],
            ValueError,
            'argument v[0]: a dict {"ok": value} or {"err": value}, with exactly one key',
        ),
        ("echo-results", ["ok"], TypeError, 'argument v[0]: expected a dict {"ok": value} or {"err": value}, got str'),
    ],
)
def test_a_wrong_value_is_refused_naming_the_path_and_never_reaches_the_guest(
    echo: fastwasm.Component, function: str, given: Any, error: type[Exception], message: str
) -> None:
    before = echo.pool_stats()
    with pytest.raises(error) as raised:
        echo.call(function, given)
    assert str(raised.value).startswith(message), str(raised.value)
    after = echo.pool_stats()
    assert (after.size, after.traps, after.busy) == (before.size, before.traps, 0)


def test_a_resource_function_runs_only_on_a_pinned_instance(echo: fastwasm.Component) -> None:
    # `call` pins one (tests/fastwasm/test_resources.py); the output-capturing
    # call runs on the pool, which refuses it.
    with pytest.raises(fastwasm.ModuleError, match="runs only on a pinned instance") as error:
        echo.call_with_output("fastwasm:echo/counters@0.1.0/make-counter")
    assert (error.value.kind, error.value.http_status) == ("unsupported", 501)


def test_the_fast_path_moves_a_mebibyte(echo: fastwasm.Component) -> None:
    data = bytes(range(256)) * 4096
    assert echo.call("xor-bytes", data, 0xFF) == bytes(b ^ 0xFF for b in data)
    assert echo.call("xor-bytes", bytearray(data[:3]), 1) == bytes(b ^ 1 for b in data[:3])
    assert echo.call("reverse", "abc" * 1000) == "cba" * 1000


def _checked(value: int | None, bits: int) -> int | None:
    return value if value is not None and value < 2**bits else None


def _parse_bool(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(text)


# A Python model of each function that returns a scalar inside an option or a
# result, one per size in memory (1, 2, 4 and 8 bytes); `None` stands for an
# absent option and `ValueError` for the result's err.
SCALAR_PAYLOADS: dict[str, tuple[Any, Any]] = {
    "find-byte": (
        st.tuples(st.binary(max_size=64), st.integers(0, 255)),
        lambda data, needle: data.find(bytes([needle])) if needle in data else None,
    ),
    "first-byte": (st.tuples(st.binary(max_size=4)), lambda data: data[0] if data else None),
    "first-char": (st.tuples(st.text(max_size=4)), lambda text: text[0] if text else None),
    "parse-bool": (st.tuples(st.sampled_from(["true", "false", "", "yes", "True"])), _parse_bool),
    "checked-add-u16": (
        st.tuples(st.integers(0, 2**16 - 1), st.integers(0, 2**16 - 1)),
        lambda a, b: a + b if a + b < 2**16 else ValueError,
    ),
    "checked-mul-u64": (
        st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
        lambda a, b: _checked(a * b, 64),
    ),
}


def test_a_scalar_in_an_option_or_a_result_takes_the_fast_path(echo: fastwasm.Component) -> None:
    exports = {e.name: e for e in echo.exports}
    assert all(exports[name].fast_path for name in [*SCALAR_PAYLOADS, "checked-div"])


@given(data=st.data())
def test_a_scalar_in_an_option_or_a_result_matches_a_python_model(
    echo: fastwasm.Component, data: st.DataObject
) -> None:
    function = data.draw(st.sampled_from(sorted(SCALAR_PAYLOADS)))
    arguments, model = SCALAR_PAYLOADS[function]
    args = data.draw(arguments)
    try:
        expected = model(*args)
    except ValueError:
        expected = ValueError
    if expected is ValueError:
        with pytest.raises(fastwasm.GuestError):
            echo.call(function, *args)
    else:
        assert echo.call(function, *args) == expected


def test_a_panic_is_a_trap_that_carries_the_panic_message(fault: fastwasm.Component) -> None:
    with pytest.raises(fastwasm.WasmTrap) as trap:
        fault.call("panic", "boom at the guest")
    assert trap.value.code == "unreachable"
    assert "boom at the guest" in str(trap.value)
    assert fault.call("grow", 1) == 1


def test_a_loop_is_stopped_at_the_deadline_and_memory_at_the_cap(fault: fastwasm.Component) -> None:
    with pytest.raises(fastwasm.WasmTimeout):
        fault.call("spin")
    with pytest.raises(fastwasm.WasmMemoryLimit):
        fault.call("grow", 64)
    assert fault.call("grow", 2) == 2
    assert fault.pool_stats().busy == 0


def test_the_guest_sees_no_files_no_environment_no_network(fault: fastwasm.Component) -> None:
    with pytest.raises(fastwasm.GuestError, match="/etc/passwd"):
        fault.call("read-file", "/etc/passwd")
    assert fault.call("environment") == []
    assert fault.call("arguments") == []
    assert fault.call("read-stdin") == 0
    with pytest.raises(fastwasm.GuestError):
        fault.call("connect", "127.0.0.1:9")
    assert fault.call("now") > time.time_ns() - 60 * 10**9
    assert fault.call("random") != fault.call("random")


def test_output_is_captured_per_call(fault: fastwasm.Component) -> None:
    result = fault.call_with_output("chatter", "hi", 2)
    assert (result.value, result.stdout, result.stderr, result.dropped) == (2, b"hi\nhi\n", b"hi\nhi\n", 0)
    assert fault.call_with_output("grow", 1).stdout == b""


def test_output_past_the_cap_is_dropped_and_counted() -> None:
    small = fastwasm.Runtime(max_output_kb=1, use_cache=False).load(FAULT)
    assert isinstance(small, fastwasm.Component)
    line = "x" * 99  # 100 bytes a line with its newline, to each stream
    result = small.call_with_output("chatter", line, 30)
    assert result.value == 30
    assert (len(result.stdout), len(result.stderr)) == (1024, 1024)
    assert result.stdout == (line.encode() + b"\n") * 10 + (line.encode() + b"\n")[:24]
    assert result.dropped == 2 * (3000 - 1024)


def test_long_component_calls_release_the_gil(fault: fastwasm.Component) -> None:
    # While one thread spins in the guest, this one runs Python and sees it busy.
    with spinning(fault, lambda cancel: fault.call("spin", cancel=cancel)) as outcome:
        pass
    assert len(outcome) == 1
    assert isinstance(outcome[0], fastwasm.WasmCancelled)


# Property tests: random values of every supported type, there and back.
finite32 = st.floats(width=32, allow_nan=False)
values = {
    "echo-bool": st.booleans(),
    "echo-s8": st.integers(-(2**7), 2**7 - 1),
    "echo-u8": st.integers(0, 2**8 - 1),
    "echo-s16": st.integers(-(2**15), 2**15 - 1),
    "echo-u16": st.integers(0, 2**16 - 1),
    "echo-s32": st.integers(-(2**31), 2**31 - 1),
    "echo-u32": st.integers(0, 2**32 - 1),
    "echo-s64": st.integers(-(2**63), 2**63 - 1),
    "echo-u64": st.integers(0, 2**64 - 1),
    "echo-f32": finite32,
    "echo-f64": st.floats(allow_nan=False),
    "echo-char": st.characters(codec="utf-8"),
    "echo-string": st.text(),
    "echo-bytes": st.binary(),
    "echo-list": st.lists(st.integers(-(2**31), 2**31 - 1)),
    "echo-tuple": st.tuples(st.integers(0, 255), st.text(), st.floats(allow_nan=False)),
    "echo-points": st.lists(st.fixed_dictionaries({"x": st.floats(allow_nan=False), "y": st.floats(allow_nan=False)})),
    "echo-color": st.sampled_from(["red", "green", "dark-blue"]),
    "echo-perms": st.sets(st.sampled_from(["read", "write", "exec"])),
    "echo-shape": st.one_of(
        st.just("empty"),
        st.builds(lambda r: {"circle": r}, st.floats(allow_nan=False)),
        st.builds(lambda x, y: {"rect": {"x": x, "y": y}}, st.floats(allow_nan=False), st.floats(allow_nan=False)),
    ),
    "echo-option": st.none() | st.text(),
    "echo-results": st.lists(
        st.one_of(st.builds(lambda v: {"ok": v}, st.integers(0, 2**32 - 1)), st.builds(lambda e: {"err": e}, st.text()))
    ),
}


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


@given(data=st.data())
def test_random_values_of_every_type_come_back_equal(echo: fastwasm.Component, data: st.DataObject) -> None:
    function = data.draw(st.sampled_from(sorted(values)))
    value = data.draw(values[function])
    back = echo.call(function, value)
    expected = value
    if function == "echo-tuple":
        expected = tuple(value)
    if function == "echo-perms":
        expected = set(value)
    assert same(back, expected), (function, value, back)


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


def iter_exports(echo: fastwasm.Component) -> Iterator[str]:
    return (e.name for e in echo.exports if e.unsupported is None and e.params)


INT_RANGES = {f"{sign}{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if sign == "s" else (0, 2**bits - 1)
              for sign in "su" for bits in (8, 16, 32, 64)}  # fmt: skip
#: Where a float stops rounding to a finite f32: f32's largest plus half its last step.
F32_ROUNDS_BELOW = float(2**128 - 2**103)


def fits(value: Any, wit: str) -> bool:
    """Whether `value` (one of `junk`'s) is a value of the WIT type `wit`,
    by the mapping's documented rules (docs/components.md): the model the
    property test holds the mapping to. Types `junk` can never fill (a
    ten-field record, a variant whose cases are longer than its strings)
    are simply never fitted."""
    if wit in INT_RANGES:
        low, high = INT_RANGES[wit]
        return type(value) is int and low <= value <= high
    if wit in ("f32", "f64"):
        if type(value) not in (int, float):
            return False
        try:
            number = float(value)
        except OverflowError:
            return False
        return wit == "f64" or not math.isfinite(number) or abs(number) < F32_ROUNDS_BELOW
    simple = {"bool": bool, "string": str, "list<u8>": bytes}
    if wit in simple:
        return type(value) is simple[wit]
    if wit == "char":
        return type(value) is str and len(value) == 1
    if wit == "option<string>":
        return value is None or type(value) is str
    if wit.startswith("list<") and (wit[5:-1] in INT_RANGES or wit[5:-1] in ("f32", "f64")):
        return type(value) is list and all(fits(item, wit[5:-1]) for item in value)
    if wit == "record { x: f64, y: f64 }":
        return type(value) is dict and set(value) == {"x", "y"} and all(fits(v, "f64") for v in value.values())
    if wit == "enum { red, green, dark-blue }":
        return value in ("red", "green", "dark-blue")
    if wit.startswith(("list<record", "list<result", "flags")):
        # junk's lists hold ints: only the empty one is a list of these.
        return value == [] and type(value) is list
    return False


@given(data=st.data())
def test_random_malformed_values_fail_cleanly_and_leave_the_pool_healthy(
    echo: fastwasm.Component, data: st.DataObject
) -> None:
    function = data.draw(st.sampled_from(sorted(iter_exports(echo))))
    params = next(e for e in echo.exports if e.name == function).params
    args = data.draw(st.lists(junk, min_size=len(params), max_size=len(params)))
    valid = all(fits(arg, wit) for arg, (_, wit) in zip(args, params, strict=True))
    # A value that does not fit is refused before the guest, naming where;
    # one that fits reaches the guest, which answers (or returns its error).
    back: Any
    try:
        back, outcome = echo.call(function, *args), "answered"
    except fastwasm.ArgumentError as refused:
        back, outcome = refused, "refused"
    except fastwasm.GuestError as guest:
        back, outcome = guest, "guest error"
    assert (outcome != "refused") == valid, (function, args, outcome, back)
    if outcome == "answered" and function.startswith("echo-") and params[0][1] not in ("f32", "f64"):
        # An echo gives back what it was given: nothing was coerced on the way.
        assert same(back, set(args[0]) if function == "echo-perms" else args[0]), (function, args, back)
    stats = echo.pool_stats()
    assert (stats.traps, stats.busy) == (0, 0)
    assert echo.call("echo-u8", 7) == 7

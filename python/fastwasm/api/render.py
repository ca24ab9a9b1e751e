"""JSON bodies that every standard client reads exactly.

`fibonacci` is a JSON integer while F(n) fits in a u64 (n <= 93), as the
tutorial sent it, and a decimal string beyond; `digits` is always the decimal
string. So Python's json (4300-digit limit) and JavaScript's JSON.parse
(exact only below 2**53) never see a big integer, and the digits we already
have are spliced in as they are, not re-encoded.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from fastwasm import MAX_U64_N
from fastwasm.api.compute import Computation
from fastwasm.api.models import Algorithm

#: Values with more digits than this are shortened in `message`.
MESSAGE_MAX_DIGITS = 50
#: Digits kept at each end of a shortened value.
MESSAGE_EDGE_DIGITS = 10


def shorten(digits: str) -> str:
    if len(digits) <= MESSAGE_MAX_DIGITS:
        return digits
    edge = MESSAGE_EDGE_DIGITS
    return f"{digits[:edge]}…{digits[-edge:]} ({len(digits):,} digits)"


class DigitsError(Exception):
    """The kernels produced something other than decimal digits: a bug, so a 500, never a wrong body."""


def _value_fields(n: int, digits: str) -> str:
    """`"fibonacci":...,"digits":"..."` for F(n)."""
    # Checking keeps the body valid JSON even if a bug ever slipped something else through.
    if not (digits.isascii() and digits.isdigit()):
        raise DigitsError(f"F({n}) came back as something other than decimal digits")
    value = digits if n <= MAX_U64_N else f'"{digits}"'
    return f'"fibonacci":{value},"digits":"{digits}"'


class JSONBody(Response):
    media_type = "application/json"


def fibonacci_body(result: Computation) -> JSONBody:
    # StrEnums, formatted as their values.
    label, algorithm = result.method, result.algorithm
    # The labels and the algorithm names are fixed ASCII identifiers, and the
    # message holds only them, digits and fixed text: nothing to escape. A
    # float's repr is its JSON number.
    message = f"Fibonacci of {result.n} is {shorten(result.digits)} (calculated using {label})"
    body = (
        f'{{"number":{result.n},{_value_fields(result.n, result.digits)},"method":"{label}",'
        f'"algorithm":"{algorithm}","message":"{message}","execution_time":{result.seconds!r}}}'
    )
    return JSONBody(body)


def compare_body(n: int, algorithm: Algorithm, results: list[Computation]) -> JSONBody:
    python, wasm, native = results
    agree = python.digits == wasm.digits == native.digits

    def speedup(other: Computation) -> float:
        return python.seconds / other.seconds if other.seconds > 0 else 0.0

    if agree:
        message = f"Fibonacci of {n} is {shorten(python.digits)}; all three methods agree"
    else:
        message = f"Fibonacci of {n}: the methods DISAGREE"
    items = ",".join(
        f'{{"method":{json.dumps(r.method.value)},{_value_fields(n, r.digits)},'
        f'"execution_time":{json.dumps(r.seconds)}}}'
        for r in results
    )
    body = (
        f'{{"number":{n},"algorithm":{json.dumps(algorithm.value)},"results":[{items}],'
        f'"agree":{json.dumps(agree)},"baseline":"Python","speedup_wasm":{json.dumps(speedup(wasm))},'
        f'"speedup_native":{json.dumps(speedup(native))},"message":{json.dumps(message, ensure_ascii=False)}}}'
    )
    return JSONBody(body)

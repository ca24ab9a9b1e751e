"""The exceptions of an argument that does not fit its WIT type. Defined in
Python for the multiple inheritance: an `ArgumentTypeError` is a
`TypeError` and an `ArgumentValueError` a `ValueError`, as before, and both
are an `ArgumentError`, which the FastAPI kit answers with 422."""

from __future__ import annotations


class ArgumentError(Exception):
    """An argument of a guest call does not fit the function's WIT types.

    `type` is FastAPI's kind of validation error (`wit_type`, `wit_value`,
    `missing`, `extra_forbidden`), `loc` the path from the parameter to the
    value (`("points", 2, "x")`), and `msg` what is wrong there."""

    def __init__(self, message: str, *, type: str, loc: tuple[str | int, ...], msg: str) -> None:
        super().__init__(message)
        self.type = type
        self.loc = loc
        self.msg = msg


class ArgumentTypeError(ArgumentError, TypeError):
    """The wrong kind of value, a missing or an unknown argument."""


class ArgumentValueError(ArgumentError, ValueError):
    """The right kind of value, out of its type's range or set."""

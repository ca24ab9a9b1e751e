"""WIT resources as Python objects, through the echo component's `counter`:
the constructor, methods, static functions and functions that take or give
handles; the destructor on `close()`, `with` and garbage collection; the
cap on live handles; what a trap does to every object of its instance;
calls from two threads; `acall`; and a property test that runs random
sequences of operations against a Python model."""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastwasm

ECHO = Path(fastwasm.__file__).with_name("components") / "echo.wasm"
COUNTERS = "fastwasm:echo/counters@0.1.0"


def load(**runtime: Any) -> fastwasm.Component:
    component = fastwasm.Runtime(pool_size=1, use_cache=False, **runtime).load(ECHO)
    assert isinstance(component, fastwasm.Component)
    return component


@pytest.fixture(scope="module")
def echo() -> fastwasm.Component:
    return load()


@pytest.fixture(scope="module")
def counter(echo: fastwasm.Component) -> fastwasm.ResourceType:
    return echo.resource("counter")


def test_a_resource_is_a_type_with_methods_and_static_functions(
    echo: fastwasm.Component, counter: fastwasm.ResourceType
) -> None:
    assert echo.resources == [f"{COUNTERS}/counter"]
    assert counter.name == "counter"
    assert counter.full_name == f"{COUNTERS}/counter"
    assert counter.methods == ["up", "value", "add", "boom", "siblings", "spin"]
    assert counter.statics == ["sum"]
    assert echo.resource(f"{COUNTERS}/counter").full_name == counter.full_name
    with pytest.raises(fastwasm.ModuleError, match="nothing"):
        echo.resource("nothing")
    with pytest.raises(AttributeError, match="no method `down`"):
        counter(0).down  # noqa: B018
    exports = {e.name: e for e in echo.exports}
    assert exports[f"{COUNTERS}/make-counter"].unsupported is None


def test_methods_keep_state_and_two_borrows_go_to_one_call(counter: fastwasm.ResourceType) -> None:
    a = counter(5)
    assert (a.up(), a.up(), a.value()) == (6, 7, 7)
    b = counter.beside(a, 10)
    assert a.add(b) == 17
    total = counter.sum(a, b)
    assert isinstance(total, fastwasm.Resource)
    assert total.value() == 27
    assert total.resource_type.name == "counter"
    assert a.siblings() == 3


def test_a_function_that_gives_or_takes_a_handle(echo: fastwasm.Component) -> None:
    made = echo.call(f"{COUNTERS}/make-counter")
    assert made.up() == 1
    # `own`: the guest takes it, and the object is closed.
    assert echo.call(f"{COUNTERS}/consume", made) == 1
    assert made.closed
    with pytest.raises(fastwasm.ResourceError, match="moved into a call"):
        made.up()


def test_close_with_and_garbage_collection_run_the_destructor(counter: fastwasm.ResourceType) -> None:
    a = counter(0)
    b = counter.beside(a, 0)
    assert a.siblings() == 2
    del b
    gc.collect()
    assert a.siblings() == 1
    with counter.beside(a, 0) as c:
        assert a.siblings() == 2
    assert c.closed
    assert a.siblings() == 1
    c.close()  # twice: nothing
    with pytest.raises(fastwasm.ResourceError, match="closed") as error:
        c.up()
    assert error.value.resource == "counter"
    assert (error.value.kind, error.value.http_status) == ("resource", 409)


def test_the_instance_goes_back_to_the_pool_when_its_last_handle_is_dropped() -> None:
    echo = load()
    counter = echo.resource("counter")
    a = counter(1)
    b = counter.beside(a, 2)
    assert echo.pool_stats().busy == 1
    a.close()
    assert echo.pool_stats().busy == 1
    b.close()
    assert echo.pool_stats().busy == 0
    # The same instance, clean: its destructors ran.
    assert echo.call(f"{COUNTERS}/live-counters") == 0


def test_objects_of_two_instances_cannot_meet_in_one_call(counter: fastwasm.ResourceType) -> None:
    a, b = counter(1), counter(2)
    with pytest.raises(fastwasm.ResourceError, match="objects of two instances"):
        a.add(b)
    assert a.up() == 2


def test_a_trap_in_a_method_throws_away_every_object_of_its_instance(counter: fastwasm.ResourceType) -> None:
    a = counter(1)
    b = counter.beside(a, 2)
    elsewhere = counter(3)
    with pytest.raises(fastwasm.WasmTrap, match="boom, with the counter at 1"):
        a.boom()
    for gone in (a, b):
        with pytest.raises(fastwasm.ResourceError, match=r"thrown away when `.*counter\.boom` failed"):
            gone.up()
        gone.close()  # nothing left to destroy: not an error
    assert elsewhere.up() == 4


def test_a_method_runs_under_the_deadline_and_a_timeout_throws_its_instance_away(
    counter: fastwasm.ResourceType,
) -> None:
    a = counter(0)
    b = counter.beside(a, 0)
    assert a.spin(1000) == 1000
    with pytest.raises(fastwasm.WasmTimeout):
        a.spin(10**15, timeout_s=0.05)
    with pytest.raises(fastwasm.ResourceError, match=r"thrown away when `.*counter\.spin` failed: .*deadline"):
        b.value()


def test_the_cap_on_live_resources_names_its_setting() -> None:
    counter = load(max_resources=2).resource("counter")
    a = counter(0)
    b = counter(0)
    with pytest.raises(fastwasm.WasmResourceLimit, match="max_resources") as error:
        counter(0)
    assert error.value.limit == 2
    a.close()
    counter(0)
    del b


def test_calls_on_one_object_from_two_threads_are_serialized(counter: fastwasm.ResourceType) -> None:
    shared = counter(0)
    per_thread = 300

    def work() -> None:
        for _ in range(per_thread):
            shared.up()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert shared.value() == 2 * per_thread


def test_a_method_can_be_awaited(counter: fastwasm.ResourceType) -> None:
    async def main() -> list[int]:
        a = counter(41)
        first = await a.up.acall()
        b = await counter.sum.acall(a, a)
        return [first, await b.value.acall()]

    assert asyncio.run(main()) == [42, 84]


def test_handles_cross_inside_records_lists_options_results_tuples_and_variants(
    echo: fastwasm.Component, counter: fastwasm.ResourceType
) -> None:
    first = counter(1)
    c = [first] + [counter.beside(first, 2**i) for i in range(1, 12)]
    answer = echo.call(
        f"{COUNTERS}/total",
        {"lent": c[0], "given": c[1]},
        [c[2], c[3]],
        [c[4], c[5]],
        c[6],
        {"ok": c[7]},
        (c[8], c[9]),
        {"given": c[10]},
    )
    assert answer == 1 + sum(2**i for i in range(1, 11))
    # The ones passed as `own` are the guest's now (and dropped); the lent ones are not.
    owned = {1, 4, 5, 6, 7, 9, 10}
    assert [i for i, o in enumerate(c) if o.closed] == sorted(owned)
    assert first.siblings() == 12 - len(owned)
    with pytest.raises(fastwasm.ArgumentValueError, match=r"argument p\.lent: this `counter` cannot be used"):
        echo.call(
            f"{COUNTERS}/total",
            {"lent": c[1], "given": c[11]},
            [],
            [],
            None,
            {"err": "no"},
            (c[0], c[11]),
            {"lent": c[0]},
        )


# Random sequences of operations on up to four counters of one instance,
# against a model: a list of values, `None` once closed or consumed.
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("new"), st.integers(0, 1000)),
        st.tuples(st.just("up"), st.integers(0, 3)),
        st.tuples(st.just("add"), st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.just("sum"), st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.just("close"), st.integers(0, 3)),
        st.tuples(st.just("consume"), st.integers(0, 3)),
    ),
    max_size=25,
)


@given(operations=OPERATIONS)
def test_random_operations_match_a_python_model(
    echo: fastwasm.Component, counter: fastwasm.ResourceType, operations: list[tuple[Any, ...]]
) -> None:
    anchor = counter(0)
    objects: list[fastwasm.Resource] = []
    model: list[int | None] = []

    def live(i: int) -> bool:
        return i < len(objects) and model[i] is not None

    for operation in operations:
        name, *args = operation
        if name == "new":
            objects.append(counter.beside(anchor, args[0]))
            model.append(args[0])
        elif name == "up" and live(args[0]):
            value = model[args[0]]
            assert value is not None
            model[args[0]] = (value + 1) % 2**32
            assert objects[args[0]].up() == model[args[0]]
        elif name == "add" and live(args[0]) and live(args[1]):
            a, b = model[args[0]], model[args[1]]
            assert a is not None
            assert b is not None
            model[args[0]] = (a + b) % 2**32
            assert objects[args[0]].add(objects[args[1]]) == model[args[0]]
        elif name == "sum" and live(args[0]) and live(args[1]):
            a, b = model[args[0]], model[args[1]]
            assert a is not None
            assert b is not None
            objects.append(counter.sum(objects[args[0]], objects[args[1]]))
            model.append((a + b) % 2**32)
            assert objects[-1].value() == model[-1]
        elif name == "close" and live(args[0]):
            objects[args[0]].close()
            model[args[0]] = None
        elif name == "consume" and live(args[0]):
            assert echo.call(f"{COUNTERS}/consume", objects[args[0]]) == model[args[0]]
            model[args[0]] = None
        elif name in ("up", "close") and args[0] < len(objects):
            # A closed or consumed object: refused, or closed again.
            if name == "up":
                with pytest.raises(fastwasm.ResourceError):
                    objects[args[0]].up()
            else:
                objects[args[0]].close()
    assert anchor.siblings() == 1 + sum(value is not None for value in model)
    assert [o.closed for o in objects] == [value is None for value in model]

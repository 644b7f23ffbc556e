"""Property: whatever sequence of log / log_list / log_row / log_table calls a user
makes, ``get_metrics`` gives it back exactly -- after ``complete()`` on the same
object and from a freshly opened ``Run``.

Model of the contract used to compute the expected result:

* ``log``: one call -> the value; repeated calls -> list in call order;
* ``log_list``: always a list (even of one element);
* ``log_row``: one call -> ``{col: value}``; repeated -> ``{col: [...]}`` with
  ``None`` for cells a row did not set;
* ``log_table``: ``{col: [...]}``, repeated calls append rows;
* ints stay ints (int64 extremes included), floats stay floats (NaN, +-inf, -0.0
  included; NaN compares as NaN, -0.0 keeps its sign), bools stay bools, strings
  (unicode) stay strings, ``None`` may appear in any series, numpy scalars come
  back as the matching Python type.

To stay inside the contract, each metric name is used with one call kind only,
and each series (a ``log`` metric or one column) keeps one value family
(numbers = int/float mix, bools, or strings), plus ``None``.

Also checked: after ``flush()`` (run still Running), a second ``Run`` object sees it all.

Each example logs into its own new run (one workspace per module).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import runwatch
from runwatch import Experiment, Run

from ._helpers import assert_same, make_workspace

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # write nothing next to the sources
)

# ----------------------------------------------------------------------------- values

ints = st.one_of(
    st.sampled_from([INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, 0, -1, 1, 2**53 + 1]),
    st.integers(INT64_MIN, INT64_MAX),
)
floats = st.one_of(
    st.sampled_from(
        [math.nan, math.inf, -math.inf, -0.0, 0.0, 5e-324, -1.7976931348623157e308, 0.1]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
)
numpy_numbers = st.one_of(
    st.integers(INT64_MIN, INT64_MAX).map(np.int64),
    st.integers(-(2**31), 2**31 - 1).map(np.int32),
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.floats(width=32, allow_nan=True, allow_infinity=True).map(np.float32),
)
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "ünïcødé",
            "日本語のテキスト",
            "emoji 🎉🚀",
            "a\nb\tc",
            "'\"; --",
            "None",
            "nan",
            "1",
        ]
    ),
    st.text(max_size=10).map(np.str_),
)

# Value families of a series. Homogeneous ones (all int, all float, all bool) matter:
# they may be stored in a packed form, unlike mixed ones.
FAMILIES: dict[str, st.SearchStrategy[Any]] = {
    "int": st.one_of(ints, st.integers(INT64_MIN, INT64_MAX).map(np.int64)),
    "float": st.one_of(floats, st.floats(allow_nan=True, allow_infinity=True).map(np.float64)),
    "number": st.one_of(ints, floats, numpy_numbers),
    "bool": st.one_of(st.booleans(), st.booleans().map(np.bool_)),
    "str": texts,
}


@st.composite
def family(draw: st.DrawFn) -> st.SearchStrategy[Any]:
    """A value family, with or without None (None may appear in any series)."""
    base = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))]
    return st.one_of(base, st.none()) if draw(st.booleans()) else base


# ----------------------------------------------------------------------------- names

metric_names = st.text(
    alphabet=st.one_of(st.characters(categories=["L", "N"]), st.sampled_from(" _-./:")),
    min_size=1,
    max_size=24,
).filter(lambda s: s == s.strip())

column_names = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True),
    st.sampled_from(["größe", "δ", "列", "loss", "acc", "value", "step"]),
).filter(lambda s: s not in {"name", "description"})


def py(value: Any) -> Any:
    """What the user should get back for a logged value."""
    return value.item() if isinstance(value, np.generic) else value


# ----------------------------------------------------------------------------- programs


@st.composite
def programs(draw: st.DrawFn) -> list[tuple]:
    """Draw a list of API calls: ``(op, metric name, argument)``."""
    names = draw(st.lists(metric_names, min_size=1, max_size=5, unique=True))
    per_name_calls: dict[str, list[tuple]] = {}

    for name in names:
        kind = draw(st.sampled_from(["log", "log_list", "log_row", "log_table"]))
        if kind == "log":
            values = draw(st.lists(draw(family()), min_size=1, max_size=6))
            calls = [("log", name, v) for v in values]
        elif kind == "log_list":
            calls = [("log_list", name, draw(st.lists(draw(family()), min_size=1, max_size=10)))]
        elif kind == "log_row":
            cols = draw(st.lists(column_names, min_size=1, max_size=4, unique=True))
            fam = {c: draw(family()) for c in cols}
            calls = []
            for _ in range(draw(st.integers(1, 5))):
                used = draw(st.lists(st.sampled_from(cols), min_size=1, unique=True))
                calls.append(("log_row", name, {c: draw(fam[c]) for c in used}))
        else:
            cols = draw(st.lists(column_names, min_size=1, max_size=4, unique=True))
            fam = {c: draw(family()) for c in cols}
            calls = []
            for _ in range(draw(st.integers(1, 3))):
                n = draw(st.integers(1, 5))
                table = {c: draw(st.lists(fam[c], min_size=n, max_size=n)) for c in cols}
                calls.append(("log_table", name, table))
        per_name_calls[name] = calls

    # interleave the per-name call lists, keeping each name's own order
    order = draw(st.permutations([n for n, calls in per_name_calls.items() for _ in calls]))
    cursors = {n: iter(calls) for n, calls in per_name_calls.items()}
    return [next(cursors[n]) for n in order]


def model(program: list[tuple]) -> dict[str, Any]:
    """What ``get_metrics()`` must return after ``program`` (see the module docstring)."""
    calls: dict[str, list[tuple]] = {}
    for op, name, arg in program:
        calls.setdefault(name, []).append((op, arg))
    expected: dict[str, Any] = {}
    for name, named in calls.items():
        op = named[0][0]
        args = [arg for _, arg in named]
        if op == "log":
            expected[name] = py(args[0]) if len(args) == 1 else [py(v) for v in args]
        elif op == "log_list":
            (values,) = args
            expected[name] = [py(v) for v in values]
        elif op == "log_row":
            if len(args) == 1:
                expected[name] = {c: py(v) for c, v in args[0].items()}
            else:
                cols = {c for row in args for c in row}
                expected[name] = {c: [py(row.get(c)) for row in args] for c in cols}
        else:
            cols = {c for table in args for c in table}
            expected[name] = {c: [py(v) for table in args for v in table[c]] for c in cols}
    return expected


NAN, INF = math.nan, math.inf
EDGE_FLOATS = [-0.0, NAN, INF, -INF, 0.0, 5e-324, -1.7976931348623157e308, 0.1]
EDGE_INTS = [INT64_MIN, INT64_MAX, 0, -1, 2**53 + 1]

# Edge cases that must always run, whatever hypothesis draws.
EXPLICIT_PROGRAMS = [
    # single values of every kind
    [
        ("log", "neg zero", -0.0),
        ("log", "nan", NAN),
        ("log", "inf", -INF),
        ("log", "min", INT64_MIN),
        ("log", "max", INT64_MAX),
        ("log", "true", True),
        ("log", "none", None),
        ("log", "empty", ""),
        ("log", "uni", "ünï 日本 🎉"),
        ("log", "np", np.float32(1.5)),
        ("log", "npi", np.int64(INT64_MIN)),
    ],
    # homogeneous series, which may be packed
    [("log", "f", v) for v in EDGE_FLOATS]
    + [("log", "i", v) for v in EDGE_INTS]
    + [("log", "b", v) for v in (True, False, np.bool_(True))]
    + [("log_list", "lf", EDGE_FLOATS), ("log_list", "li", EDGE_INTS), ("log_list", "one", [-0.0])],
    # mixed series, None in series
    [("log", "mix", v) for v in (1, 2.5, None, -0.0, INT64_MAX, NAN, np.int32(-7))]
    + [("log_list", "ls", ["a", None, "", "ü"]), ("log_list", "lb", [None, False, True])],
    # rows with missing cells, tables appended
    [
        ("log_row", "row1", {"a": -0.0, "b": INT64_MIN, "c": "x", "d": None, "e": True}),
        ("log_row", "rows", {"a": 1.0, "b": 1}),
        ("log_row", "rows", {"b": INT64_MAX, "c": "ü"}),
        ("log_row", "rows", {"a": NAN}),
        ("log_table", "tab", {"x": [-0.0, INF], "y": [INT64_MIN, None], "z": ["a", "b"]}),
        ("log_table", "tab", {"x": [NAN], "y": [INT64_MAX], "z": [""]}),
        ("log_table", "tab1", {"only": [np.float64(-0.0)]}),
    ],
]


def execute(run: Run, program: list[tuple]) -> None:
    for op, name, arg in program:
        if op == "log":
            run.log(name, arg)
        elif op == "log_list":
            run.log_list(name, (v for v in arg))  # a generator, as users pass them
        elif op == "log_row":
            run.log_row(name, **arg)
        else:
            run.log_table(name, arg)


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Experiment:
    ws = make_workspace(tmp_path_factory.mktemp("roundtrip"))
    return Experiment(ws, "roundtrip")


def _with_examples(test: Any) -> Any:
    for program in EXPLICIT_PROGRAMS:
        test = example(program=program)(test)
    return test


@SETTINGS
@given(program=programs())
@_with_examples
def test_metrics_roundtrip(experiment: Experiment, program: list[tuple]) -> None:
    expected = model(program)
    run = experiment.start_logging()
    execute(run, program)
    run.flush()  # durable now: another reader sees it while the run is still Running
    assert_same(expected, Run(experiment, run.id).get_metrics(), "after flush(), other reader")
    run.complete()

    assert_same(expected, run.get_metrics(), "get_metrics() after complete()")

    fresh = Run(experiment, run.id)
    assert_same(expected, fresh.get_metrics(), "fresh Run(...).get_metrics()")
    for name, value in expected.items():
        assert_same(value, fresh.get_metrics(name=name)[name], f"get_metrics(name={name!r})")


series_then_other_type = st.sampled_from(
    [
        ([1.5, 2.5], "three"),
        ([1, 2.0], "xyzzy"),
        (["a", "b"], 3.25),
        (["a"], 12345),
        ([0.5], "half"),
    ]
)


@settings(max_examples=15, deadline=None, database=None)
@given(series_then_other_type, st.booleans())
def test_series_changing_type_is_rejected_and_nothing_is_lost(
    experiment: Experiment, case: tuple[list, Any], with_none: bool
) -> None:
    before, bad = case
    if with_none:
        before = [*before, None]  # None is allowed in any series
    run = experiment.start_logging()
    for v in before:
        run.log("series", v)
    with pytest.raises(runwatch.ValidationError) as info:
        run.log("series", bad)
    assert isinstance(info.value, ValueError)
    assert repr(bad) in str(info.value) or str(bad) in str(info.value), str(info.value)
    run.complete()
    expected = before[0] if len(before) == 1 else before
    assert_same({"series": expected}, Run(experiment, run.id).get_metrics())

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

Each example logs into its own new run (one workspace per module).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
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

FAMILIES: dict[str, st.SearchStrategy[Any]] = {
    "number": st.one_of(ints, floats, numpy_numbers, st.none()),
    "bool": st.one_of(st.booleans(), st.booleans().map(np.bool_), st.none()),
    "str": st.one_of(texts, st.none()),
}

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
def programs(draw: st.DrawFn) -> tuple[list[tuple], dict[str, Any]]:
    """Draw a list of API calls and the metrics dict they must produce."""
    names = draw(st.lists(metric_names, min_size=1, max_size=5, unique=True))
    per_name_calls: dict[str, list[tuple]] = {}
    expected: dict[str, Any] = {}

    for name in names:
        kind = draw(st.sampled_from(["log", "log_list", "log_row", "log_table"]))
        calls: list[tuple] = []
        if kind == "log":
            family = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))]
            values = draw(st.lists(family, min_size=1, max_size=6))
            calls = [("log", name, v) for v in values]
            expected[name] = py(values[0]) if len(values) == 1 else [py(v) for v in values]
        elif kind == "log_list":
            family = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))]
            values = draw(st.lists(family, min_size=1, max_size=10))
            calls = [("log_list", name, values)]
            expected[name] = [py(v) for v in values]
        elif kind == "log_row":
            cols = draw(st.lists(column_names, min_size=1, max_size=4, unique=True))
            fam = {c: FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))] for c in cols}
            n_rows = draw(st.integers(1, 5))
            rows = []
            for _ in range(n_rows):
                used = draw(st.lists(st.sampled_from(cols), min_size=1, unique=True))
                rows.append({c: draw(fam[c]) for c in used})
            calls = [("log_row", name, row) for row in rows]
            if n_rows == 1:
                expected[name] = {c: py(v) for c, v in rows[0].items()}
            else:
                seen = {c for row in rows for c in row}
                expected[name] = {c: [py(row.get(c)) for row in rows] for c in seen}
        else:
            cols = draw(st.lists(column_names, min_size=1, max_size=4, unique=True))
            fam = {c: FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))] for c in cols}
            tables = []
            for _ in range(draw(st.integers(1, 3))):
                n = draw(st.integers(1, 5))
                tables.append({c: draw(st.lists(fam[c], min_size=n, max_size=n)) for c in cols})
            calls = [("log_table", name, t) for t in tables]
            expected[name] = {c: [py(v) for t in tables for v in t[c]] for c in cols}
        per_name_calls[name] = calls

    # interleave the per-name call lists, keeping each name's own order
    order = draw(st.permutations([n for n, calls in per_name_calls.items() for _ in calls]))
    cursors = {n: iter(calls) for n, calls in per_name_calls.items()}
    program = [next(cursors[n]) for n in order]
    return program, expected


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


@SETTINGS
@given(programs())
def test_metrics_roundtrip(experiment: Experiment, case: tuple[list[tuple], dict]) -> None:
    program, expected = case
    run = experiment.start_logging()
    execute(run, program)
    run.complete()

    assert_same(expected, run.get_metrics(), "get_metrics() after complete()")

    fresh = Run(experiment, run.id)
    assert_same(expected, fresh.get_metrics(), "fresh Run(...).get_metrics()")
    for name, value in expected.items():
        assert_same(value, fresh.get_metrics(name=name), f"get_metrics(name={name!r})")


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

"""The RunStore interface, tested once and run against every backend (`store` fixture).

Nothing here may depend on the backend: raw database access goes through the
`raw_chunks` fixture, which each backend provides in conftest.py.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from _canon import canon

from runwatch.core._records import (
    FileInfo,
    MetricBatch,
    MetricKind,
    MetricPoints,
    RunExport,
    RunInfo,
    RunStatus,
)
from runwatch.errors import RunNotFoundError, RunStateError, ValidationError
from runwatch.store import RunStore
from runwatch.store._sql_common import CHUNK_TARGET, SMALL_CHUNK

RawChunks = Callable[[str, str], list[tuple[int, int, str]]]

T0 = 1_700_000_000.25


# --------------------------------------------------------------------------- helpers


def new_runs(
    store: RunStore,
    experiment: str = "exp",
    *,
    count: int = 1,
    parent: str | None = None,
    status: str = RunStatus.RUNNING,
    **extra: Any,
) -> list[RunInfo]:
    return store.create_runs(
        experiment, count=count, parent_id=parent, run_type="unit", status=status, **extra
    )


def new_run(store: RunStore, experiment: str = "exp", **extra: Any) -> RunInfo:
    (run,) = new_runs(store, experiment, **extra)
    return run


def batch(
    name: str,
    values: Sequence[Any],
    *,
    start: int = 0,
    steps: Sequence[int] | None = None,
    kind: str = MetricKind.SCALAR,
    value_class: str | None = None,
    description: str = "",
) -> MetricBatch:
    steps = list(steps) if steps is not None else list(range(start, start + len(values)))
    return MetricBatch(
        name=name,
        kind=kind,
        value_class=value_class,
        description=description,
        steps=steps,
        values=list(values),
        times=[T0 + s for s in steps],
    )


# --------------------------------------------------------------------------- experiments


def test_get_or_create_experiment_is_idempotent(store: RunStore) -> None:
    assert store.get_experiment("exp") is None
    before = time.time()
    first = store.get_or_create_experiment("exp")
    after = time.time()
    again = store.get_or_create_experiment("exp")

    assert first.name == "exp"
    assert before <= first.created_time <= after
    assert again == first
    assert store.get_experiment("exp") == first
    assert store.list_experiments() == [first]


def test_list_experiments_is_sorted_by_name(store: RunStore) -> None:
    assert store.list_experiments() == []
    b = store.get_or_create_experiment("b")
    a = store.get_or_create_experiment("a")
    c = store.get_or_create_experiment("c")

    assert store.list_experiments() == [a, b, c]
    assert len({a.id, b.id, c.id}) == 3


def test_create_runs_creates_the_experiment(store: RunStore) -> None:
    new_run(store, "made-by-run")
    assert [e.name for e in store.list_experiments()] == ["made-by-run"]


# --------------------------------------------------------------------------- create_runs


def test_create_run_fields(store: RunStore) -> None:
    before = time.time()
    run = new_run(
        store,
        display_name="first",
        tags={"t": "1"},
        properties={"p": [1, 2], "q": None},
    )
    after = time.time()

    assert run.id.startswith("exp_")
    assert run.experiment == "exp"
    assert run.number == 1
    assert run.parent_id is None
    assert run.root_id == run.id
    assert run.run_type == "unit"
    assert run.display_name == "first"
    assert run.status == RunStatus.RUNNING
    assert before <= run.created_time <= after
    assert run.start_time == run.created_time  # created running: started now
    assert run.end_time is None
    assert run.heartbeat_time is None
    assert run.error is None
    assert run.tags == {"t": "1"}
    assert run.properties == {"p": [1, 2], "q": None}
    assert run.seq > 0
    assert store.get_run(run.id) == run


def test_create_run_not_started_has_no_start_time(store: RunStore) -> None:
    run = new_run(store, status=RunStatus.NOT_STARTED)
    assert run.status == RunStatus.NOT_STARTED
    assert run.start_time is None
    assert run.end_time is None
    assert run.tags == {}
    assert run.properties == {}
    assert run.display_name is None


def test_run_numbers_are_sequential_per_experiment(store: RunStore) -> None:
    one = new_run(store)
    three = new_runs(store, count=3)
    other = new_runs(store, "other", count=2)
    child = new_run(store, parent=one.id)
    last = new_run(store)

    assert one.number == 1
    assert [r.number for r in three] == [2, 3, 4]
    assert [r.number for r in other] == [1, 2]
    assert child.number == 5  # children are numbered in their experiment too
    assert last.number == 6
    ids = [one.id, *(r.id for r in three), *(r.id for r in other), child.id, last.id]
    assert len(set(ids)) == len(ids)
    assert all(r.root_id == r.id for r in three)


def test_child_ids_continue_across_calls(store: RunStore) -> None:
    parent = new_run(store)
    first = new_runs(store, count=2, parent=parent.id, status=RunStatus.NOT_STARTED)
    second = new_runs(store, count=1, parent=parent.id)
    grandchild = new_run(store, parent=first[1].id)

    assert [c.id for c in first] == [f"{parent.id}_0", f"{parent.id}_1"]
    assert [c.id for c in second] == [f"{parent.id}_2"]
    assert grandchild.id == f"{parent.id}_1_0"
    for child in (*first, *second):
        assert child.parent_id == parent.id
        assert child.root_id == parent.id
    assert grandchild.parent_id == first[1].id
    assert grandchild.root_id == parent.id
    assert [c.status for c in first] == [RunStatus.NOT_STARTED] * 2
    assert second[0].status == RunStatus.RUNNING


def test_create_runs_rejects_an_invalid_status(store: RunStore) -> None:
    # set_status refuses statuses outside RunStatus.ALL; create_runs must too
    with pytest.raises(ValidationError, match="'Bogus'"):
        new_runs(store, status="Bogus")
    assert store.list_runs("exp") == []


def test_create_runs_rejects_a_negative_count(store: RunStore) -> None:
    with pytest.raises(ValidationError, match="-2"):
        new_runs(store, count=-2)
    assert new_run(store).number == 1  # the experiment's numbering did not go backwards


def test_create_child_of_unknown_parent(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'no-such-run'"):
        new_runs(store, count=2, parent="no-such-run")
    # nothing was created and no run number was used up
    assert store.list_runs("exp", include_children=True) == []
    assert new_run(store).number == 1


# --------------------------------------------------------------------------- reading runs


def test_get_run_of_unknown_id(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.get_run("missing")


def test_list_runs_newest_first(store: RunStore) -> None:
    a = new_run(store)
    b, c = new_runs(store, count=2)
    child = new_run(store, parent=a.id)
    new_run(store, "elsewhere")

    assert [r.id for r in store.list_runs("exp")] == [c.id, b.id, a.id]
    assert [r.id for r in store.list_runs("exp", include_children=True)] == [
        child.id,
        c.id,
        b.id,
        a.id,
    ]
    assert store.list_runs("exp")[-1] == store.get_run(a.id)
    assert store.list_runs("nothing-here") == []


def test_get_children_in_creation_order(store: RunStore) -> None:
    parent = new_run(store)
    other = new_run(store)
    first = new_runs(store, count=2, parent=parent.id)
    new_run(store, parent=other.id)
    new_run(store, parent=first[0].id)  # a grandchild is not a direct child
    third = new_run(store, parent=parent.id)

    children = store.get_children(parent.id)
    assert [c.id for c in children] == [f"{parent.id}_0", f"{parent.id}_1", f"{parent.id}_2"]
    assert children == [*first, third]
    assert store.get_children(third.id) == []


def test_get_descendants_depth_first_at_any_depth(store: RunStore) -> None:
    root = new_run(store)
    a, b = new_runs(store, count=2, parent=root.id)
    a1 = new_run(store, parent=a.id)
    b1 = new_run(store, parent=b.id)
    a2 = new_run(store, parent=a.id)
    new_run(store)  # another tree
    chain = [a1]
    for _ in range(1500):  # deeper than Python's recursion limit
        chain.append(new_run(store, parent=chain[-1].id))
    got = store.get_descendants(root.id)
    assert [r.id for r in got] == [a.id, *[r.id for r in chain], a2.id, b.id, b1.id]
    assert got[0] == a
    assert [r.id for r in store.get_descendants(b.id)] == [b1.id]
    assert store.get_descendants(b1.id) == []


# --------------------------------------------------------------------------- status


def test_status_lifecycle_sets_start_and_end(store: RunStore) -> None:
    run = new_run(store, status=RunStatus.NOT_STARTED)

    queued = store.set_status(run.id, RunStatus.QUEUED)
    assert (queued.status, queued.start_time, queued.end_time) == (RunStatus.QUEUED, None, None)
    assert queued.seq > run.seq

    before = time.time()
    running = store.set_status(run.id, RunStatus.RUNNING)
    after = time.time()
    assert running.status == RunStatus.RUNNING
    assert running.start_time is not None
    assert before <= running.start_time <= after
    assert running.end_time is None
    assert running.seq > queued.seq

    finalizing = store.set_status(run.id, RunStatus.FINALIZING)
    assert finalizing.start_time == running.start_time  # the start is kept
    assert finalizing.end_time is None

    before = time.time()
    done = store.set_status(run.id, RunStatus.COMPLETED)
    after = time.time()
    assert done.status == RunStatus.COMPLETED
    assert done.is_final
    assert done.start_time == running.start_time
    assert done.end_time is not None
    assert before <= done.end_time <= after
    assert done.error is None
    assert store.get_run(run.id) == done


def test_status_with_error(store: RunStore) -> None:
    run = new_run(store)
    failed = store.set_status(run.id, RunStatus.FAILED, error={"message": "boom", "code": 3})
    assert failed.status == RunStatus.FAILED
    assert failed.error == {"message": "boom", "code": 3}
    assert store.get_run(run.id).error == {"message": "boom", "code": 3}


def test_final_status_cannot_change(store: RunStore) -> None:
    run = new_run(store)
    done = store.set_status(run.id, RunStatus.COMPLETED)

    for other in (RunStatus.FAILED, RunStatus.CANCELED, RunStatus.RUNNING):
        with pytest.raises(RunStateError, match=f"already Completed; it cannot become {other}"):
            store.set_status(run.id, other)
    assert store.get_run(run.id) == done


def test_same_final_status_is_a_no_op(store: RunStore) -> None:
    run = new_run(store)
    done = store.set_status(run.id, RunStatus.CANCELED)
    again = store.set_status(run.id, RunStatus.CANCELED, error={"ignored": True})

    assert again == done  # same end time, same seq, no error added
    assert store.get_run(run.id) == done


def test_invalid_status(store: RunStore) -> None:
    run = new_run(store)
    with pytest.raises(ValidationError, match="'Done' is not a run status"):
        store.set_status(run.id, "Done")
    assert store.get_run(run.id) == run


def test_set_status_of_unknown_run(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.set_status("missing", RunStatus.COMPLETED)


def test_heartbeat(store: RunStore) -> None:
    a, b = new_runs(store, count=2)
    store.heartbeat([])
    assert store.get_run(a.id).heartbeat_time is None

    before = time.time()
    store.heartbeat([a.id, b.id])
    after = time.time()
    for run_id in (a.id, b.id):
        beat = store.get_run(run_id).heartbeat_time
        assert beat is not None
        assert before <= beat <= after


def test_set_display_name(store: RunStore) -> None:
    run = new_run(store)
    named = store.set_display_name(run.id, "nice name")
    assert named.display_name == "nice name"
    assert named.seq > run.seq
    assert store.set_display_name(run.id, None).display_name is None
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.set_display_name("missing", "x")


# --------------------------------------------------------------------------- tags, properties


def test_update_tags_sets_and_removes(store: RunStore) -> None:
    run = new_run(store, tags={"keep": "k", "drop": "d"})

    updated = store.update_tags(run.id, {"new": "n", "keep": "k2"})
    assert updated.tags == {"keep": "k2", "drop": "d", "new": "n"}
    assert updated.seq > run.seq

    removed = store.update_tags(run.id, {}, remove=["drop", "never-there"])
    assert removed.tags == {"keep": "k2", "new": "n"}

    both = store.update_tags(run.id, {"drop": "back"}, remove=iter(["new"]))
    assert both.tags == {"keep": "k2", "drop": "back"}
    assert store.get_run(run.id).tags == {"keep": "k2", "drop": "back"}


def test_update_tags_of_unknown_run(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.update_tags("missing", {"a": "b"})


def test_add_properties(store: RunStore) -> None:
    run = new_run(store, properties={"k": 1})

    same = store.add_properties(run.id, {"k": 1, "n": "x"})  # the same value again is fine
    assert same.properties == {"k": 1, "n": "x"}

    with pytest.raises(ValidationError, match=r"property 'k' .* is already 1; .* cannot become 2"):
        store.add_properties(run.id, {"m": "new", "k": 2})
    after = store.get_run(run.id)
    assert after.properties == {"k": 1, "n": "x"}  # "m" was not added either
    assert after.seq == same.seq

    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.add_properties("missing", {"a": 1})


def test_add_the_same_nan_property_again(store: RunStore) -> None:
    # NaN is stored and read back as NaN, so adding it again is "the same value"
    run = new_run(store, properties={"score": math.nan})
    again = store.add_properties(run.id, {"score": math.nan})
    assert math.isnan(again.properties["score"])


# --------------------------------------------------------------------------- metrics


ROUND_TRIPS = {
    "floats": (
        MetricKind.SCALAR,
        [0.5, math.nan, math.inf, -math.inf, -0.0, 0.0, 1e308, 5e-324, -2.5],
        "f8",
    ),
    "int64 extremes": (MetricKind.SCALAR, [-(2**63), -1, 0, 1, 2**63 - 1], "i8"),
    "ints beyond int64": (MetricKind.SCALAR, [2**63, -(2**63) - 1, 10**30, 5], "json"),
    "bools": (MetricKind.SCALAR, [True, False, False, True], "b1"),
    "strings": (MetricKind.SCALAR, ["a", "", "ünïcødé ✓", "x" * 1000, "NaN"], "json"),
    "None mixed": (MetricKind.SCALAR, [1.0, None, 2, "s", None, True], "json"),
    "ints and floats": (MetricKind.SCALAR, [1, 2.0, 3, -0.0, math.nan], "json"),
    "list": (MetricKind.LIST, [1.5, 2.5, 3.5], "f8"),
    "rows": (
        MetricKind.ROW,
        [{"a": 1, "b": "x"}, {"a": 2.5, "b": None}, {"a": math.inf, "b": True}],
        "json",
    ),
    "tables": (
        MetricKind.TABLE,
        [{"col": [1, 2, 3], "name": ["a", "b", "c"]}, {"col": [4.5], "name": [None]}],
        "json",
    ),
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_metric_round_trip(store: RunStore, raw_chunks: RawChunks, case: str) -> None:
    kind, values, encoding = ROUND_TRIPS[case]
    run = new_run(store)
    steps = [-(2**63), *range(1, len(values) - 1), 2**63 - 1]  # steps are int64
    store.append_metrics(
        run.id,
        [batch("m", values, steps=steps, kind=kind, value_class="cls", description="desc")],
    )

    result = store.read_metrics(run.id)
    assert list(result) == ["m"]
    info, points = result["m"]
    assert canon(points.values) == canon(values)
    assert points.steps == steps
    assert points.times == [T0 + s for s in steps]
    assert points.first_index == 0
    assert len(points) == len(values)
    assert raw_chunks(run.id, "m") == [(0, len(values), encoding)]

    assert info.run_id == run.id
    assert info.name == "m"
    assert info.kind == kind
    assert info.value_class == "cls"
    assert info.description == "desc"
    assert info.count == len(values)
    assert canon(info.last_value) == canon(values[-1])
    assert info.last_step == 2**63 - 1
    assert store.get_metric(run.id, "m") == info
    assert store.list_metrics(run.id) == [info]


def test_append_returns_the_stored_status(store: RunStore) -> None:
    """A run ended by another process still takes the points logged before the writer
    knew (nothing is lost); the status returned tells the writer to refuse more."""
    run = new_run(store)
    assert store.append_metrics(run.id, [batch("m", [1.0])]) == RunStatus.RUNNING
    store.set_status(run.id, RunStatus.FAILED)
    assert store.append_metrics(run.id, [batch("m", [2.0], start=1)]) == RunStatus.FAILED
    assert store.read_metrics(run.id)["m"][1].values == [1.0, 2.0]


def test_finish_run_writes_the_last_points_and_the_status_together(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.0])])
    ended = store.finish_run(
        run.id, [batch("m", [2.0], start=1), batch("n", [5.0])], RunStatus.FAILED, error={"a": 1}
    )
    assert (ended.status, ended.error) == (RunStatus.FAILED, {"a": 1})
    assert ended.end_time is not None and ended.seq > run.seq
    assert store.get_run(run.id) == ended
    metrics = store.read_metrics(run.id)
    assert metrics["m"][1].values == [1.0, 2.0] and metrics["n"][1].values == [5.0]
    # nothing to write: the status alone; the same final status again: a no-op
    other = new_run(store)
    assert store.finish_run(other.id, [], RunStatus.COMPLETED).status == RunStatus.COMPLETED
    assert store.finish_run(other.id, [], RunStatus.COMPLETED) == store.get_run(other.id)


def test_finish_run_of_a_run_ended_elsewhere_keeps_the_points(store: RunStore) -> None:
    run = new_run(store)
    canceled = store.set_status(run.id, RunStatus.CANCELED)
    with pytest.raises(RunStateError, match="already Canceled; it cannot become Completed"):
        store.finish_run(run.id, [batch("m", [1.0, 2.0])], RunStatus.COMPLETED)
    assert store.read_metrics(run.id)["m"][1].values == [1.0, 2.0]
    assert store.get_run(run.id).status == canceled.status


def test_finish_run_refused_points_change_nothing(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.0])])
    with pytest.raises(ValidationError, match=r"was logged with run\.log; run\.log_list"):
        store.finish_run(
            run.id,
            [batch("n", [3.0]), batch("m", [2.0], start=1, kind=MetricKind.LIST)],
            RunStatus.COMPLETED,
        )
    assert store.get_run(run.id).status == RunStatus.RUNNING
    assert list(store.read_metrics(run.id)) == ["m"]
    with pytest.raises(ValidationError, match="'Done' is not a run status"):
        store.finish_run(run.id, [batch("n", [3.0])], "Done")
    assert list(store.read_metrics(run.id)) == ["m"]


def test_appends_continue_a_metric(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(
        run.id, [batch("loss", [1.0, 0.5], value_class="float", description="the loss")]
    )
    store.append_metrics(run.id, [batch("acc", [0.1]), batch("loss", [0.25], start=2)])
    # later batches do not replace the first value class and description
    store.append_metrics(
        run.id, [batch("loss", [0.125], start=3, value_class="int", description="other")]
    )

    result = store.read_metrics(run.id)
    assert list(result) == ["loss", "acc"]  # in the order the metrics were created
    info, points = result["loss"]
    assert points == MetricPoints(
        0, [0, 1, 2, 3], [1.0, 0.5, 0.25, 0.125], [T0, T0 + 1, T0 + 2, T0 + 3]
    )
    assert (info.count, info.last_value, info.last_step) == (4, 0.125, 3)
    assert (info.value_class, info.description) == ("float", "the loss")
    assert result["acc"][1] == MetricPoints(0, [0], [0.1], [T0])
    assert store.get_metric(run.id, "nope") is None
    assert [m.name for m in store.list_metrics(run.id)] == ["loss", "acc"]


def test_append_marks_the_run_changed(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [])  # nothing to do
    assert store.get_run(run.id).seq == run.seq
    store.append_metrics(run.id, [batch("m", [1.0])])
    assert store.get_run(run.id).seq > run.seq


def test_metrics_of_runs_are_separate(store: RunStore) -> None:
    a, b = new_runs(store, count=2)
    store.append_metrics(a.id, [batch("loss", [1.0, 2.0])])
    store.append_metrics(b.id, [batch("loss", [9.0])])

    assert store.read_metrics(a.id, ["loss"])["loss"][1].values == [1.0, 2.0]
    assert store.read_metrics(b.id, ["loss"])["loss"][1].values == [9.0]
    assert store.read_metrics(b.id)["loss"][1].values == [9.0]
    assert store.read_metrics(new_run(store).id) == {}


def test_append_metrics_to_unknown_run(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.append_metrics("missing", [batch("m", [1.0])])
    assert store.list_metrics("missing") == []


def test_kind_mismatch_writes_nothing(store: RunStore, raw_chunks: RawChunks) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.0])])
    before = store.get_run(run.id)

    with pytest.raises(ValidationError, match=r"metric 'm' .* run\.log; run\.log_list cannot"):
        store.append_metrics(
            run.id,
            [
                batch("new", [5.0]),
                batch("m", [2.0], start=1),
                batch("m", [3.0], start=2, kind=MetricKind.LIST),
            ],
        )

    assert [m.name for m in store.list_metrics(run.id)] == ["m"]
    assert store.get_metric(run.id, "new") is None
    info, points = store.read_metrics(run.id)["m"]
    assert (info.count, info.last_value, points.values) == (1, 1.0, [1.0])
    assert raw_chunks(run.id, "m") == [(0, 1, "f8")]
    assert raw_chunks(run.id, "new") == []
    assert store.get_run(run.id) == before


def test_small_chunks_are_compacted(store: RunStore, raw_chunks: RawChunks) -> None:
    run = new_run(store)
    for i in range(300):  # 300 flushes of 10 points each
        start = 10 * i
        store.append_metrics(
            run.id, [batch("m", [float(start + j) / 4 for j in range(10)], start=start)]
        )

    # each chunk grows while it is smaller than SMALL_CHUNK (1024), so it ends at 1030
    assert raw_chunks(run.id, "m") == [(0, 1030, "f8"), (1030, 1030, "f8"), (2060, 940, "f8")]
    info, points = store.read_metrics(run.id)["m"]
    assert points.first_index == 0
    assert points.values == [i / 4 for i in range(3000)]
    assert points.steps == list(range(3000))
    assert points.times == [T0 + i for i in range(3000)]
    assert (info.count, info.last_value, info.last_step) == (3000, 2999 / 4, 2999)


def test_compaction_limits(store: RunStore, raw_chunks: RawChunks) -> None:
    assert (SMALL_CHUNK, CHUNK_TARGET) == (1024, 8192)
    run = new_run(store)

    store.append_metrics(run.id, [batch("full", [1.0] * 1024)])
    store.append_metrics(run.id, [batch("full", [2.0], start=1024)])
    assert raw_chunks(run.id, "full") == [(0, 1024, "f8"), (1024, 1, "f8")]  # not merged

    store.append_metrics(run.id, [batch("over", [1.0] * 10)])
    store.append_metrics(run.id, [batch("over", [2.0] * 8183, start=10)])
    assert raw_chunks(run.id, "over") == [(0, 10, "f8"), (10, 8183, "f8")]  # 8193 > target

    store.append_metrics(run.id, [batch("fits", [1.0] * 10)])
    store.append_metrics(run.id, [batch("fits", [2.0] * 8182, start=10)])
    assert raw_chunks(run.id, "fits") == [(0, 8192, "f8")]  # exactly the target

    for name, total in (("full", 1025), ("over", 8193), ("fits", 8192)):
        _, points = store.read_metrics(run.id, [name])[name]
        assert points.steps == list(range(total))
        assert len(points.values) == total


def test_compaction_re_encodes_mixed_chunks(store: RunStore, raw_chunks: RawChunks) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.5, -0.0])])
    store.append_metrics(run.id, [batch("m", [2], start=2)])
    store.append_metrics(run.id, [batch("m", [True, None], start=3)])

    assert raw_chunks(run.id, "m") == [(0, 5, "json")]
    _, points = store.read_metrics(run.id)["m"]
    assert canon(points.values) == canon([1.5, -0.0, 2, True, None])
    assert points.steps == [0, 1, 2, 3, 4]


def test_read_metrics_by_name_and_without_steps(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("a", [1.0, 2.0]), batch("b", [3, 4]), batch("c", ["x"])])

    assert list(store.read_metrics(run.id, ["b"])) == ["b"]
    assert store.read_metrics(run.id, ["b"])["b"][1] == MetricPoints(
        0, [0, 1], [3, 4], [T0, T0 + 1]
    )
    assert list(store.read_metrics(run.id, ["c", "a"])) == ["a", "c"]
    assert store.read_metrics(run.id, ["a", "c"])["c"][1].values == ["x"]
    assert store.read_metrics(run.id, ["zzz"]) == {}
    assert store.read_metrics(run.id, ["zzz", "a"])["a"][1].values == [1.0, 2.0]
    assert store.read_metrics(run.id, []) == {}

    bare = store.read_metrics(run.id, with_steps=False)
    assert {name: points for name, (_, points) in bare.items()} == {
        "a": MetricPoints(0, [], [1.0, 2.0], []),
        "b": MetricPoints(0, [], [3, 4], []),
        "c": MetricPoints(0, [], ["x"], []),
    }
    assert bare["a"][0] == store.get_metric(run.id, "a")
    one = store.read_metrics(run.id, ["b"], with_steps=False)
    assert one["b"][1] == MetricPoints(0, [], [3, 4], [])


# --------------------------------------------------------------------------- summaries


def test_list_run_summaries(store: RunStore) -> None:
    r1 = new_run(store)
    r2 = new_run(store)
    r3 = new_run(store)
    child = new_run(store, parent=r1.id)
    store.append_metrics(r1.id, [batch("loss", [1.0, 0.5]), batch("acc", [0.9])])
    store.append_metrics(r2.id, [batch("loss", [0.7]), batch("note", ["hi"])])
    store.append_metrics(child.id, [batch("loss", [0.1])])
    store.append_metrics(r1.id, [batch("loss", [0.25], start=2)])

    def table(summaries: list[Any]) -> list[tuple[str, dict[str, Any]]]:
        return [(s.id, dict(s.metrics)) for s in summaries]

    everything = store.list_run_summaries("exp")
    assert table(everything) == [
        (r3.id, {}),
        (r2.id, {"loss": 0.7, "note": "hi"}),
        (r1.id, {"loss": 0.25, "acc": 0.9}),
    ]
    assert [s.info for s in everything] == [store.get_run(r.id) for r in (r3, r2, r1)]
    assert [(s.number, s.status) for s in everything] == [
        (3, "Running"),
        (2, "Running"),
        (1, "Running"),
    ]

    assert table(store.list_run_summaries("exp", ["acc", "note"])) == [
        (r3.id, {}),
        (r2.id, {"note": "hi"}),
        (r1.id, {"acc": 0.9}),
    ]
    assert table(store.list_run_summaries("exp", [])) == [(r3.id, {}), (r2.id, {}), (r1.id, {})]
    assert table(store.list_run_summaries("exp", ["loss"], include_children=True)) == [
        (child.id, {"loss": 0.1}),
        (r3.id, {}),
        (r2.id, {"loss": 0.7}),
        (r1.id, {"loss": 0.25}),
    ]
    assert store.list_run_summaries("nothing-here") == []


# --------------------------------------------------------------------------- files


def test_files(store: RunStore) -> None:
    run = new_run(store)
    other = new_run(store)
    before = time.time()
    added = store.add_file(run.id, "outputs/b.txt", 10)
    after = time.time()
    assert (added.run_id, added.name, added.size) == (run.id, "outputs/b.txt", 10)
    assert before <= added.created_time <= after
    assert added.seq > run.seq
    assert store.get_file(run.id, "outputs/b.txt") == added
    assert store.get_run(run.id).seq == added.seq

    exists = re.escape("already has a file named 'outputs/b.txt'")
    with pytest.raises(ValidationError, match=exists):
        store.add_file(run.id, "outputs/b.txt", 99)
    assert store.get_file(run.id, "outputs/b.txt") == added

    replaced = store.add_file(run.id, "outputs/b.txt", 20, overwrite=True)
    assert (replaced.name, replaced.size) == ("outputs/b.txt", 20)
    assert replaced.seq > added.seq
    assert store.get_file(run.id, "outputs/b.txt") == replaced

    first = store.add_file(run.id, "a.txt", 0, overwrite=True)  # overwrite of nothing: a new file
    assert store.list_files(run.id) == [first, replaced]  # sorted by name
    assert store.get_file(run.id, "missing") is None
    assert store.get_file(other.id, "a.txt") is None
    assert store.list_files(other.id) == []


def test_add_file_to_unknown_run(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.add_file("missing", "a.txt", 1)
    assert store.list_files("missing") == []


# --------------------------------------------------------------------------- changes_since


def test_changes_since_zero_returns_everything(store: RunStore) -> None:
    run = new_run(store)
    child = new_run(store, parent=run.id)
    store.append_metrics(run.id, [batch("m", [1.0, 2.0])])
    file = store.add_file(run.id, "f.txt", 3)

    changes = store.changes_since(run.id)
    assert not changes.empty
    assert changes.run == store.get_run(run.id)
    assert changes.metrics == {"m": store.get_metric(run.id, "m")}
    assert changes.points == {"m": [MetricPoints(0, [0, 1], [1.0, 2.0], [T0, T0 + 1])]}
    assert changes.files == [file]
    assert changes.children == [child]
    assert changes.cursor == file.seq  # the latest change in the store


def test_changes_since_the_returned_cursor_is_empty(store: RunStore) -> None:
    run = new_run(store)
    new_run(store, parent=run.id)
    store.append_metrics(run.id, [batch("m", [1.0])])
    first = store.changes_since(run.id, 0)

    again = store.changes_since(run.id, first.cursor)
    assert again.empty
    assert again.run is None
    assert (again.metrics, again.points, again.files, again.children) == ({}, {}, [], [])
    assert again.cursor == first.cursor

    # a change in another run moves the cursor but reports nothing for this one
    store.append_metrics(new_run(store).id, [batch("m", [1.0])])
    elsewhere = store.changes_since(run.id, again.cursor)
    assert elsewhere.empty
    assert elsewhere.cursor > again.cursor


def test_changes_since_reports_only_the_new_point(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("big", [0.5] * SMALL_CHUNK), batch("other", [1, 2, 3])])
    cursor = store.changes_since(run.id).cursor

    store.append_metrics(run.id, [batch("big", [7.5], start=SMALL_CHUNK)])
    changes = store.changes_since(run.id, cursor)
    assert changes.run == store.get_run(run.id)
    assert list(changes.metrics) == ["big"]
    assert changes.metrics["big"].count == SMALL_CHUNK + 1
    assert changes.metrics["big"].last_value == 7.5
    assert changes.points == {
        "big": [MetricPoints(SMALL_CHUNK, [SMALL_CHUNK], [7.5], [T0 + SMALL_CHUNK])]
    }
    assert changes.files == []
    assert changes.children == []
    assert changes.cursor > cursor
    assert store.changes_since(run.id, changes.cursor).empty


def test_changes_since_reports_a_new_file(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.0])])
    old = store.add_file(run.id, "old.txt", 1)
    cursor = store.changes_since(run.id).cursor

    new = store.add_file(run.id, "new.bin", 42)
    changes = store.changes_since(run.id, cursor)
    assert changes.files == [new]
    assert new == FileInfo(run.id, "new.bin", 42, new.created_time, changes.cursor)
    assert (changes.metrics, changes.points, changes.children) == ({}, {}, [])
    assert changes.run is not None and changes.run.seq == new.seq
    assert store.list_files(run.id) == [new, old]


def test_changes_since_reports_children(store: RunStore) -> None:
    parent = new_run(store)
    child = new_run(store, parent=parent.id)
    other = new_run(store, parent=new_run(store).id)
    cursor = store.changes_since(parent.id).cursor

    done = store.set_status(child.id, RunStatus.COMPLETED)
    store.set_status(other.id, RunStatus.COMPLETED)  # not a child of `parent`
    changes = store.changes_since(parent.id, cursor)
    assert not changes.empty
    assert changes.run is None  # the parent itself did not change
    assert changes.children == [done]
    assert changes.children[0].status == RunStatus.COMPLETED

    newer = new_run(store, parent=parent.id)
    changes = store.changes_since(parent.id, changes.cursor)
    assert changes.run is None
    assert changes.children == [newer]


def test_changes_since_of_unknown_run(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError, match="'missing'"):
        store.changes_since("missing", 0)


def test_compacted_chunk_reappears_from_an_earlier_index(store: RunStore) -> None:
    """Compaction rewrites a small chunk, so a poller sees points it already has.

    The merged chunk comes back with `first_index` 0 (not 3): a reader that
    already holds `have` points keeps only `values[have - first_index:]`.
    """
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.0, 2.0, 3.0])])
    first = store.changes_since(run.id)
    have = list(first.points["m"][0].values)
    assert have == [1.0, 2.0, 3.0]

    store.append_metrics(run.id, [batch("m", [4.0], start=3)])
    changes = store.changes_since(run.id, first.cursor)
    assert changes.points == {
        "m": [MetricPoints(0, [0, 1, 2, 3], [1.0, 2.0, 3.0, 4.0], [T0 + i for i in range(4)])]
    }

    for part in changes.points["m"]:  # what a reader does with a re-sent chunk
        have += part.values[len(have) - part.first_index :]
    assert have == [1.0, 2.0, 3.0, 4.0]


# --------------------------------------------------------------------------- copying


def _as_copy(export: RunExport, run_id: str, **changes: Any) -> RunExport:
    """The export as another store would hold it: the same run under id `run_id`."""
    info = dataclasses.replace(export.info, **{"id": run_id, "root_id": run_id, **changes})
    return dataclasses.replace(
        export, info=info, files=[dataclasses.replace(f, run_id=run_id) for f in export.files]
    )


def test_export_import_keeps_every_field(store: RunStore) -> None:
    run = new_run(store, tags={"a": "1"}, properties={"p": math.nan}, definition={"x": [1]})
    store.append_metrics(
        run.id,
        [
            batch("loss", [0.5 * i for i in range(3000)], description="the loss"),
            batch("rows", [{"a": 1}, {"a": 2}], kind=MetricKind.ROW),
            batch("flags", [True, False]),
        ],
    )
    store.append_metrics(run.id, [batch("loss", [math.inf], start=3000)])
    store.add_file(run.id, "logs/driver.log", 12)
    done = store.set_status(run.id, RunStatus.FAILED, error={"message": "boom"})
    export = store.export_run(run.id)
    assert store.export_run(run.id, with_chunks=False).chunks == []
    assert {c.name for c in export.chunks} == {"loss", "rows", "flags"}

    seq = store.current_seq()
    copied = store.import_run(_as_copy(export, "copied"))
    assert copied.seq > seq
    assert copied.number == done.number + 1  # the source's number is taken here: the next
    assert (copied.status, copied.created_time, copied.start_time, copied.end_time) == (
        done.status, done.created_time, done.start_time, done.end_time,
    )  # fmt: skip
    assert (copied.error, copied.tags, copied.run_type) == (done.error, done.tags, done.run_type)
    assert math.isnan(copied.properties["p"])
    assert store.get_definition("copied") == {"x": [1]}
    assert [(f.name, f.size, f.created_time) for f in store.list_files("copied")] == [
        (f.name, f.size, f.created_time) for f in export.files
    ]
    original, again = store.read_metrics(run.id), store.read_metrics("copied")
    for name, (info, points) in original.items():
        assert dataclasses.replace(again[name][0], run_id=run.id, seq=0) == dataclasses.replace(
            info, seq=0
        )
        assert [canon(v) for v in again[name][1].values] == [canon(v) for v in points.values]
        assert (again[name][1].steps, again[name][1].times) == (points.steps, points.times)


def test_import_replaces_a_run_and_keeps_its_number(store: RunStore) -> None:
    run = new_run(store)
    store.append_metrics(run.id, [batch("m", [1.0, 2.0])])
    store.add_file(run.id, "a.txt", 1)
    export = store.export_run(run.id)
    ended = dataclasses.replace(
        export.info, status=RunStatus.COMPLETED, end_time=T0, number=99, tags_json='{"t":""}'
    )
    replaced = store.import_run(dataclasses.replace(export, info=ended, metrics=[], chunks=[]))
    assert (replaced.number, replaced.status, replaced.tags) == (run.number, "Completed", {"t": ""})
    assert store.list_metrics(run.id) == [] and store.read_metrics(run.id) == {}
    assert [f.name for f in store.list_files(run.id)] == ["a.txt"]


def test_import_numbers_and_parents(store: RunStore) -> None:
    parent = new_run(store)
    child = store.export_run(new_run(store, parent=parent.id).id)
    free = store.import_run(_as_copy(store.export_run(parent.id), "p2", number=7))
    assert free.number == 7
    assert new_run(store).number == 8  # numbering continues past an imported number
    kid = store.import_run(_as_copy(child, "p2_0", parent_id="p2", root_id="p2"))
    assert (kid.parent_id, kid.root_id) == ("p2", "p2")
    assert [c.id for c in store.get_children("p2")] == ["p2_0"]
    assert new_runs(store, parent="p2")[0].id == "p2_1"  # imported children are counted
    with pytest.raises(RunNotFoundError, match="'nowhere'"):
        store.import_run(_as_copy(child, "orphan", parent_id="nowhere"))
    with pytest.raises(ValidationError, match="cannot move"):
        store.import_run(
            dataclasses.replace(child, info=dataclasses.replace(child.info, experiment="other"))
        )

"""Paged run listings, experiment counts and the change counter, against every backend."""

from __future__ import annotations

import math
from typing import Any

import pytest

from runwatch.core._queries import RunQuery
from runwatch.core._records import MetricBatch, MetricKind, RunStatus
from runwatch.errors import ValidationError
from runwatch.store import RunStore


def runs(store: RunStore, count: int = 1, **extra: Any) -> list[str]:
    extra.setdefault("status", RunStatus.COMPLETED)
    infos = store.create_runs(extra.pop("experiment", "exp"), count=count, run_type="t", **extra)
    return [info.id for info in infos]


def log(store: RunStore, run_id: str, name: str, value: Any, value_class: str = "number") -> None:
    store.append_metrics(
        run_id, [MetricBatch(name, MetricKind.SCALAR, value_class, "", [0], [value], [1.0])]
    )


def page(store: RunStore, **query: Any) -> list[str]:
    query.setdefault("experiment", "exp")
    return [run.info.id for run in store.query_runs(RunQuery(**query)).runs]


def test_current_seq_counts_every_change(store: RunStore) -> None:
    before = store.current_seq()
    (run_id,) = runs(store)
    after_create = store.current_seq()
    assert after_create > before
    store.update_tags(run_id, {"a": "1"})
    assert store.current_seq() > after_create
    assert store.current_seq() == store.current_seq()  # reading changes nothing


def test_default_order_puts_active_and_queued_runs_first_then_newest(store: RunStore) -> None:
    done = runs(store, 2)
    queued = runs(store, status=RunStatus.QUEUED)
    finished_last = runs(store)
    running = runs(store, status=RunStatus.RUNNING)
    assert page(store) == running + queued + finished_last + done[::-1]
    assert page(store, descending=False) == done + finished_last + queued + running


def test_paging_total_and_status_counts(store: RunStore) -> None:
    ids = runs(store, 7) + runs(store, 3, status=RunStatus.FAILED)
    result = store.query_runs(
        RunQuery(experiment="exp", sort="number", offset=2, limit=3, descending=False)
    )
    assert [r.info.id for r in result.runs] == ids[2:5]
    assert result.total == 10
    assert dict(result.status_counts) == {"Completed": 7, "Failed": 3}
    failed = store.query_runs(RunQuery(experiment="exp", statuses=("Failed",), limit=2))
    assert failed.total == 3 and len(failed.runs) == 2
    assert dict(failed.status_counts) == {"Completed": 7, "Failed": 3}  # before the filter
    assert store.query_runs(RunQuery(experiment="exp", offset=10)).runs == []


def test_children_are_listed_apart_from_top_level_runs(store: RunStore) -> None:
    (parent,) = runs(store, status=RunStatus.RUNNING)
    children = runs(store, 3, parent_id=parent)
    top = store.query_runs(RunQuery(experiment="exp"))
    assert [r.info.id for r in top.runs] == [parent]
    assert top.runs[0].child_count == 3
    listed = store.query_runs(RunQuery(parent_id=parent, sort="number", descending=False))
    assert [r.info.id for r in listed.runs] == children
    assert listed.total == 3


def test_tag_filters_match_keys_and_values_exactly(store: RunStore) -> None:
    (plain,) = runs(store, tags={"team": "a"})
    (other,) = runs(store, tags={"team": "ab", "x": "1"})
    # A value that spells a key-value pair must not pass for that pair.
    (tricky,) = runs(store, tags={"note": '"team":"a"', "y_%": "50%"})
    (bare,) = runs(store, tags={"team": ""})
    assert set(page(store, tags=(("team", None),))) == {plain, other, bare}
    assert page(store, tags=(("team", "a"),)) == [plain]
    assert page(store, tags=(("team", ""),)) == [bare]
    assert page(store, tags=(("team", "ab"), ("x", "1"))) == [other]
    assert page(store, tags=(("y_%", "50%"),)) == [tricky]
    assert page(store, tags=(("y__", None),)) == []  # LIKE wildcards are literal
    assert page(store, tags=(("note", None),)) == [tricky]


def test_text_matches_id_display_name_number_and_tag_values(store: RunStore) -> None:
    (named,) = runs(store, display_name="Bright Falcon")
    (tagged,) = runs(store, tags={"owner": "Émilie"})
    (keyed,) = runs(store, tags={"falcon": "x"})
    assert page(store, text="falcon") == [named]  # a tag key is not matched
    assert page(store, text="ÉMILIE") == [tagged]
    assert page(store, text=keyed[-6:]) == [keyed]
    # Ids hold digits too, so a number matches at least its own run.
    assert 2 in [r.info.number for r in store.query_runs(RunQuery(experiment="exp", text="2")).runs]


def test_text_filter_pages_and_counts_after_matching(store: RunStore) -> None:
    ids = runs(store, 5, display_name="alpha") + runs(store, 2, status="Failed")
    result = store.query_runs(
        RunQuery(experiment="exp", text="ALPHA", sort="number", descending=False, limit=2, offset=1)
    )
    assert [r.info.id for r in result.runs] == ids[1:3]
    assert result.total == 5 and dict(result.status_counts) == {"Completed": 5}
    failed = store.query_runs(RunQuery(experiment="exp", text="alpha", statuses=("Failed",)))
    assert failed.total == 0 and failed.runs == []


def test_sort_by_metric_orders_numbers_with_missing_values_last(store: RunStore) -> None:
    a, b, c, d, e, f = runs(store, 6)
    log(store, a, "loss", 0.5)
    log(store, b, "loss", -math.inf)
    log(store, c, "loss", 2)
    log(store, d, "loss", math.nan)
    log(store, e, "loss", "high", value_class="str")
    log(store, f, "loss", math.inf)
    ascending = page(store, sort="metric", metric="loss", descending=False)
    assert ascending[:4] == [b, a, c, f]
    assert set(ascending[4:]) == {d, e}
    descending = page(store, sort="metric", metric="loss")
    assert descending[:4] == [f, c, a, b]
    result = store.query_runs(RunQuery(experiment="exp", metric="loss", sort="number"))
    values = {r.info.id: r.metric for r in result.runs}
    assert values[a] == 0.5 and values[c] == 2 and values[e] == "high"
    assert math.isnan(values[d])
    assert result.metric_names == ["loss"]


def test_sort_by_duration_keeps_unstarted_runs_last(store: RunStore) -> None:
    (queued,) = runs(store, status=RunStatus.QUEUED)
    (short,) = runs(store, status=RunStatus.RUNNING)
    store.set_status(short, RunStatus.COMPLETED)
    (running,) = runs(store, status=RunStatus.RUNNING)
    assert page(store, sort="duration", descending=False)[-1] == queued
    assert page(store, sort="duration")[-1] == queued
    assert set(page(store, sort="duration")[:2]) == {short, running}


def test_other_sorts(store: RunStore) -> None:
    ids = runs(store, 2) + runs(store, status=RunStatus.FAILED)
    assert page(store, sort="number") == ids[::-1]
    assert page(store, sort="created", descending=False) == ids
    assert page(store, sort="status", descending=False) == ids  # ties by number, same way
    (queued,) = runs(store, status=RunStatus.QUEUED)
    assert page(store, sort="status") == [queued, ids[2], ids[1], ids[0]]


def test_metric_names_cover_the_listing(store: RunStore) -> None:
    first, second = runs(store, 2)
    (elsewhere,) = runs(store, experiment="other")
    log(store, first, "b", 1)
    log(store, second, "a", 1)
    log(store, elsewhere, "z", 1)
    assert store.query_runs(RunQuery(experiment="exp", limit=1)).metric_names == ["a", "b"]


def test_metric_names_are_the_ones_a_listing_can_show_a_latest_value_of(store: RunStore) -> None:
    (run,) = runs(store, 1)
    log(store, run, "loss", 0.5)
    table = MetricBatch("trials", MetricKind.TABLE, None, "", [0], [{"run_id": ["x"]}], [1.0])
    row = MetricBatch("schedule", MetricKind.ROW, None, "", [0], [{"lr": 0.1}], [1.0])
    store.append_metrics(run, [table, row])
    assert store.query_runs(RunQuery(experiment="exp")).metric_names == ["loss"]


def test_unknown_listing_is_empty(store: RunStore) -> None:
    runs(store)
    result = store.query_runs(RunQuery(experiment="nope"))
    assert (result.total, result.runs, dict(result.status_counts)) == (0, [], {})
    assert store.query_runs(RunQuery(parent_id="nope")).runs == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"experiment": "x", "sort": "size"}, "sort 'size'"),
        ({"experiment": "x", "sort": "metric"}, "needs a metric name"),
        ({"experiment": "x", "statuses": ("Done",)}, "status 'Done'"),
        ({"experiment": "x", "limit": 0}, "limit 0"),
        ({"experiment": "x", "limit": 501}, "limit 501"),
        ({"experiment": "x", "offset": -1}, "offset -1"),
        ({}, "exactly one"),
        ({"experiment": "x", "parent_id": "y"}, "exactly one"),
    ],
)
def test_bad_queries_are_refused_with_the_value(query: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RunQuery(**query)


def test_experiment_stats_count_top_level_runs(store: RunStore) -> None:
    store.get_or_create_experiment("empty")
    (parent,) = runs(store, status=RunStatus.RUNNING)
    runs(store, 2, parent_id=parent, status=RunStatus.RUNNING)
    runs(store, status=RunStatus.QUEUED)
    last = store.get_run(runs(store)[0])
    stats = {s.name: s for s in store.list_experiment_stats()}
    assert list(stats) == ["empty", "exp"]
    assert (stats["exp"].run_count, stats["exp"].active_count) == (3, 2)
    assert stats["exp"].last_created_time == last.created_time
    assert (stats["empty"].run_count, stats["empty"].active_count) == (0, 0)
    assert stats["empty"].last_created_time is None

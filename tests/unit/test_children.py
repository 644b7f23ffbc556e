"""Child runs at any depth: listing, metrics and cancel walk the tree without recursion."""

from __future__ import annotations

import sys

from runwatch import Run

DEPTH = 1_500  # past Python's default recursion limit of 1,000


def _chain(run: Run, depth: int) -> list[Run]:
    """`depth` runs, each the child of the one before, in one line under `run`."""
    chain = []
    parent = run
    for i in range(depth):
        parent = parent.child_run(name=f"level {i + 1}")
        if i % 100 == 0:
            parent.log("level", i + 1)
            parent.flush()  # get_metrics reads the store; this object's buffer is its own
        chain.append(parent)
    return chain


def test_children_and_metrics_at_any_depth(run: Run) -> None:
    assert sys.getrecursionlimit() < DEPTH
    chain = _chain(run, DEPTH)
    below = list(run.get_children(recursive=True))
    assert [child.id for child in below] == [child.id for child in chain]
    metrics = run.get_metrics(recursive=True)
    assert len(metrics) == DEPTH + 1
    assert metrics[chain[100].id] == {"level": 101} and metrics[chain[1].id] == {}
    run.cancel()
    assert {child.get_status() for child in chain} == {"Canceled"}
    assert run.get_status() == "Canceled"


def test_recursive_listing_is_depth_first_in_creation_order(run: Run) -> None:
    a, b = run.child_run(name="a"), run.child_run(name="b")
    a1, a2 = a.child_run(name="a1"), a.child_run(name="a2")
    a1x = a1.child_run(name="a1x")
    b1 = b.child_run(name="b1")
    b1.tag("keep", "yes")
    a1x.tag("keep", "yes")
    got = [r.display_name for r in run.get_children(recursive=True)]
    assert got == ["a", "a1", "a1x", "a2", "b", "b1"]
    kept = [r.display_name for r in run.get_children(recursive=True, tags={"keep": "yes"})]
    assert kept == ["a1x", "b1"]
    assert [r.display_name for r in a.get_children(recursive=True)] == ["a1", "a1x", "a2"]
    a2.complete()
    run.cancel()
    assert a2.get_status() == "Completed"  # a finished run keeps its status
    assert {r.get_status() for r in (a, b, a1, a1x, b1)} == {"Canceled"}

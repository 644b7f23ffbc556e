"""Run lifecycle, tags, properties, children, details and re-opening."""

from __future__ import annotations

import pytest
from _hostile import assert_no_markup, hostile_run

import runwatch
from runwatch import Experiment, Run, RunStatus


def test_start_logging_is_running_and_numbered(exp: Experiment) -> None:
    first = exp.start_logging()
    second = exp.start_logging()
    assert first.get_status() == "Running"
    assert (first.number, second.number) == (1, 2)
    assert first.id.startswith("unit_") and first.id != second.id
    first.complete()
    second.complete()


def test_context_manager_completes(exp: Experiment) -> None:
    with exp.start_logging() as run:
        run.log("x", 1)
    assert run.get_status() == RunStatus.COMPLETED
    assert run.get_metrics("x")["x"] == 1


def test_context_manager_fails_with_the_traceback(exp: Experiment) -> None:
    with pytest.raises(ZeroDivisionError), exp.start_logging() as run:
        run.log("x", 1)
        1 / 0  # noqa: B018
    details = run.get_details()
    assert details["status"] == "Failed"
    error = details["error"]["error"]
    assert error["type"] == "ZeroDivisionError"
    assert "division by zero" in error["message"]
    assert "1 / 0" in error["traceback"]
    assert run.get_metrics("x")["x"] == 1


def test_fail_with_a_message_and_code(run: Run) -> None:
    run.fail("data missing", error_code="DataError")
    error = run.get_details()["error"]["error"]
    assert error == {"message": "data missing", "code": "DataError"}


def test_complete_twice_is_a_no_op_and_fail_after_complete_raises(run: Run) -> None:
    run.complete()
    run.complete()
    with pytest.raises(runwatch.RunStateError, match="already Completed"):
        run.fail("late")


def test_cancel_cascades_to_live_children_and_is_a_no_op_when_final(
    run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run.child_run()
    done.complete()
    live = run.child_run()
    run.cancel()
    assert run.get_status() == "Canceled"
    assert live.get_status() == "Canceled"
    assert done.get_status() == "Completed"
    run.cancel()
    assert "already Canceled" in capsys.readouterr().err


def test_details_have_azure_keys(run: Run) -> None:
    run.tag("t", "v")
    run.add_properties({"p": "q"})
    run.complete()
    details = run.get_details()
    assert details["runId"] == run.id
    assert details["status"] == "Completed"
    assert details["startTimeUtc"].endswith("Z") and details["endTimeUtc"].endswith("Z")
    assert details["durationSeconds"] >= 0
    assert details["tags"] == {"t": "v"}
    assert details["properties"] == {"p": "q"}
    assert "error" not in details
    assert details["logFiles"] == {}


def test_tags_set_get_remove(run: Run) -> None:
    run.tag("flag")
    run.tag("lr", 0.1)
    run.set_tags({"a": "1", "b": "2"})
    run.remove_tags(["a"])
    assert run.get_tags() == {"flag": None, "lr": "0.1", "b": "2"}  # as Azure: no value, None
    run.tag("b", "3")
    assert run.get_tags()["b"] == "3"


def test_a_tag_without_a_value_is_found_shown_and_set_as_azure_sets_it(run: Run) -> None:
    run.set_tags("candidate")  # Azure's set_tags takes a key, or a list of keys, too
    run.set_tags(["reviewed", "shared"])
    run.tag("owner", "ana")
    assert run.get_tags() == {"candidate": None, "reviewed": None, "shared": None, "owner": "ana"}
    assert run.get_details()["tags"]["candidate"] is None
    experiment = run.experiment
    assert [r.id for r in experiment.get_runs(tags="candidate")] == [run.id]
    assert [r.id for r in experiment.get_runs(tags=["reviewed", "owner"])] == [run.id]
    frame = experiment.get_runs_frame(tags="candidate")
    assert list(frame["id"]) == [run.id] and frame["candidate"].tolist() == [""]
    assert run.info.tags["candidate"] == ""  # the views show it as an empty cell


def test_properties_are_immutable_but_same_value_is_fine(run: Run) -> None:
    run.add_properties({"seed": 1, "model": "ridge"})
    run.add_properties({"seed": 1})
    with pytest.raises(runwatch.ValidationError):
        run.add_properties({"model": "lasso"})
    assert run.get_properties() == {"seed": 1, "model": "ridge"}


def test_children_any_depth(run: Run) -> None:
    kids = run.create_children(3)
    assert [k.get_status() for k in kids] == ["NotStarted"] * 3
    assert [k.id for k in kids] == [f"{run.id}_{i}" for i in range(3)]
    named = run.child_run(name="extra")
    assert named.id == f"{run.id}_3" and named.display_name == "extra"
    grandchild = kids[0].child_run()
    assert grandchild.parent == kids[0] and kids[0].parent == run
    assert run.parent is None
    assert [c.id for c in run.get_children()] == [k.id for k in kids] + [named.id]
    assert [c.id for c in run.get_children(recursive=True)] == [
        kids[0].id,
        grandchild.id,
        kids[1].id,
        kids[2].id,
        named.id,
    ]
    kids[1].log("x", 1)  # logging starts a NotStarted child
    assert kids[1].get_status() == "Running"


def test_create_children_with_tag_values(run: Run) -> None:
    kids = run.create_children(tag_key="alpha", tag_values=[0.1, 0.2])
    assert [k.get_tags() for k in kids] == [{"alpha": "0.1"}, {"alpha": "0.2"}]
    assert [c.id for c in run.get_children(tags={"alpha": "0.2"})] == [kids[1].id]


def test_reopen_from_experiment_and_workspace(run: Run) -> None:
    run.log("x", 1)
    run.complete()
    again = Run(run.experiment, run.id)
    assert again == run and again.number == run.number
    assert Run.get(run.workspace, run.id).get_metrics() == {"x": 1}


def test_reopen_with_the_wrong_experiment(run: Run) -> None:
    other = Experiment(run.workspace, "other")
    with pytest.raises(runwatch.RunNotFoundError, match="not in experiment 'other'"):
        Run(other, run.id)


def test_display_name(run: Run) -> None:
    run.display_name = "baseline"
    assert Run(run.experiment, run.id).display_name == "baseline"


def test_repr_html_escapes(exp: Experiment) -> None:
    run = hostile_run(exp)
    html = run._repr_html_()
    assert run.id in html and "Failed" in html
    assert_no_markup(html)


def test_unknown_start_logging_argument(exp: Experiment) -> None:
    with pytest.raises(runwatch.ValidationError, match="unexpected arguments"):
        exp.start_logging(bogus=1)

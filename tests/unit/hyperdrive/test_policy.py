"""Early termination policies (runwatch.submit.sweep._policy)."""

from __future__ import annotations

import dataclasses

import pytest

from runwatch import ValidationError
from runwatch.hyperdrive import BanditPolicy, MedianStoppingPolicy, NoTerminationPolicy
from runwatch.submit.sweep._policy import evaluate, policy_from_json, policy_to_json

# --- construction ------------------------------------------------------------------------------


def test_bandit_needs_exactly_one_slack() -> None:
    with pytest.raises(ValidationError, match="exactly one of slack_factor or slack_amount"):
        BanditPolicy()
    with pytest.raises(ValidationError, match="exactly one of"):
        BanditPolicy(slack_factor=0.1, slack_amount=0.2)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2"])
def test_evaluation_interval_must_be_an_int_of_at_least_1(value: object) -> None:
    with pytest.raises(ValidationError, match=r"evaluation_interval .* must be an int >= 1"):
        BanditPolicy(slack_factor=0.1, evaluation_interval=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, 0.5, False, None])
def test_delay_evaluation_must_be_an_int_of_at_least_0(value: object) -> None:
    with pytest.raises(ValidationError, match=r"delay_evaluation .* must be an int >= 0"):
        MedianStoppingPolicy(delay_evaluation=value)  # type: ignore[arg-type]


def test_policies_are_frozen_and_round_trip_through_json() -> None:
    policy = BanditPolicy(evaluation_interval=2, delay_evaluation=3, slack_factor=0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.slack_factor = 0.5  # type: ignore[misc]
    data = policy_to_json(policy)
    assert data == {
        "kind": "bandit",
        "evaluation_interval": 2,
        "delay_evaluation": 3,
        "slack_factor": 0.1,
        "slack_amount": None,
    }
    assert policy_from_json(data) == policy
    for other in (MedianStoppingPolicy(delay_evaluation=5), NoTerminationPolicy()):
        assert policy_from_json(policy_to_json(other)) == other
    assert policy_to_json(None) is None and policy_from_json(None) is None


# --- when a policy is due ---------------------------------------------------------------------


def test_due_at_every_multiple_of_the_interval_from_the_delay_on() -> None:
    policy = BanditPolicy(slack_factor=0.1, evaluation_interval=3, delay_evaluation=2)
    assert [k for k in range(1, 15) if policy.due(k)] == [3, 6, 9, 12]
    late = BanditPolicy(slack_factor=0.1, evaluation_interval=100, delay_evaluation=200)
    assert [k for k in range(1, 450) if late.due(k)] == [200, 300, 400]
    on_a_multiple = BanditPolicy(slack_factor=0.1, evaluation_interval=2, delay_evaluation=5)
    assert [k for k in range(1, 11) if on_a_multiple.due(k)] == [6, 8, 10]
    every = MedianStoppingPolicy()
    assert [k for k in range(1, 5) if every.due(k)] == [1, 2, 3, 4]


# --- bandit ------------------------------------------------------------------------------------


def test_bandit_slack_factor_minimize() -> None:
    policy = BanditPolicy(slack_factor=0.2)
    peers = [1.0, 1.1, 1.5]
    assert policy.reason(1.1, peers, maximize=False) is None  # within 1.0 * 1.2
    assert policy.reason(1.2, peers, maximize=False) is None  # the limit itself stays
    reason = policy.reason(1.5, peers, maximize=False)
    assert reason == "BanditPolicy: 1.5 is outside slack_factor 0.2 of the best 1"


def test_bandit_slack_factor_maximize() -> None:
    policy = BanditPolicy(slack_factor=0.25)
    peers = [0.9, 0.8, 0.7]
    assert policy.reason(0.8, peers, maximize=True) is None  # limit 0.9 / 1.25 = 0.72
    reason = policy.reason(0.7, peers, maximize=True)
    assert reason is not None and "outside slack_factor 0.25 of the best 0.9" in reason


def test_bandit_slack_amount() -> None:
    policy = BanditPolicy(slack_amount=0.5)
    assert policy.reason(1.4, [1.0, 1.4], maximize=False) is None
    assert policy.reason(1.6, [1.0, 1.6], maximize=False) == (
        "BanditPolicy: 1.6 is outside slack_amount 0.5 of the best 1"
    )
    assert policy.reason(0.6, [1.0, 0.6], maximize=True) is None
    assert policy.reason(0.4, [1.0, 0.4], maximize=True) is not None


def test_the_best_trial_is_never_outside_its_own_slack() -> None:
    for policy in (BanditPolicy(slack_factor=0.0), BanditPolicy(slack_amount=0.0)):
        assert policy.reason(1.0, [1.0, 2.0], maximize=False) is None
        assert policy.reason(2.0, [1.0, 2.0], maximize=True) is None


# --- median stopping ---------------------------------------------------------------------------


def test_median_stopping() -> None:
    policy = MedianStoppingPolicy()
    assert policy.reason(5.0, [1.0], maximize=False) is None  # too few peers to judge
    assert policy.reason(2.0, [1.0, 2.0, 3.0], maximize=False) is None  # equal to the median
    assert policy.reason(2.5, [1.0, 2.0, 3.0], maximize=False) == (
        "MedianStoppingPolicy: running average 2.5 is worse than the median 2"
    )
    assert policy.reason(1.5, [1.0, 2.0, 3.0], maximize=True) is not None
    assert policy.reason(2.5, [1.0, 2.0, 3.0], maximize=True) is None


def test_no_termination_policy_never_stops() -> None:
    series = {"a": [1.0, 1.0], "b": [100.0, 100.0]}
    assert evaluate(NoTerminationPolicy(), series, maximize=False, uses_average=False) == {}


# --- evaluate ----------------------------------------------------------------------------------


def test_evaluate_bandit_compares_trials_at_the_same_interval() -> None:
    policy = BanditPolicy(slack_factor=0.1)
    series = {
        "good": [1.0, 0.5, 0.4],
        "bad": [1.05, 2.0],  # interval 2: 2.0 against the best 0.5 at interval 2
        "early": [9.0],  # interval 1: against 1.0 (good) and 1.05 (bad)
        "fine": [1.0, 0.52],
        "none": [],
    }
    stops = evaluate(policy, series, maximize=False, uses_average=False)
    assert set(stops) == {"bad", "early"}
    assert (
        stops["bad"] == "BanditPolicy: 2 is outside slack_factor 0.1 of the best 0.5 (interval 2)"
    )
    assert stops["early"].endswith("of the best 1 (interval 1)")


def test_evaluate_respects_the_delay() -> None:
    policy = BanditPolicy(slack_factor=0.1, delay_evaluation=3)
    series = {"good": [1.0, 1.0, 1.0], "bad": [5.0, 5.0]}
    assert evaluate(policy, series, maximize=False, uses_average=False) == {}
    series["bad"].append(5.0)
    assert set(evaluate(policy, series, maximize=False, uses_average=False)) == {"bad"}


def test_evaluate_median_uses_running_averages_of_the_others() -> None:
    policy = MedianStoppingPolicy()
    series = {
        "a": [1.0, 1.0],  # average 1.0
        "b": [2.0, 2.0],  # average 2.0
        "c": [0.0, 9.0],  # average 4.5, worse than the median of 1.0 and 2.0
        "d": [3.0],  # at interval 1 only: its peers are the others' first values
    }
    stops = evaluate(policy, series, maximize=False, uses_average=True)
    # Every interval is checked: b's 2.0 at interval 1 is worse than the median 1 of the others.
    assert set(stops) == {"b", "c", "d"}
    assert "running average 2 is worse than the median 1 (interval 1)" in stops["b"]
    assert "running average 4.5 is worse than the median 1.5 (interval 2)" in stops["c"]
    # d at interval 1 is judged against the first values of a, b and c.
    assert "running average 3 is worse than the median 1 (interval 1)" in stops["d"]


def test_evaluate_does_not_skip_a_due_interval_that_was_passed() -> None:
    # The controller polls; a trial may log two points between two evaluations.
    # With evaluation_interval=2 it was due at interval 2 and far outside the
    # slack there, so it should still be stopped when seen at interval 3.
    policy = BanditPolicy(slack_factor=0.1, evaluation_interval=2)
    series = {"good": [1.0, 1.0, 1.0], "bad": [5.0, 5.0, 5.0]}
    assert set(evaluate(policy, series, maximize=False, uses_average=False)) == {"bad"}

"""Early termination policies: which running trials to stop at an evaluation.

A trial's intervals are the points of its primary metric: the k-th value it
logs is interval k. At each interval that is due (every multiple of
`evaluation_interval` that is at least `delay_evaluation`, as Azure's
policies document), a policy compares the trial with the others at
the same interval and gives the reason to stop it, or None.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runwatch.errors import ValidationError


@dataclass(frozen=True)
class _Policy:
    evaluation_interval: int = 1
    delay_evaluation: int = 0

    def __post_init__(self) -> None:
        if type(self.evaluation_interval) is not int or self.evaluation_interval < 1:
            raise ValidationError(
                f"evaluation_interval {self.evaluation_interval!r} must be an int >= 1"
            )
        if type(self.delay_evaluation) is not int or self.delay_evaluation < 0:
            raise ValidationError(f"delay_evaluation {self.delay_evaluation!r} must be an int >= 0")

    def reason(self, value: float, peers: Sequence[float], maximize: bool) -> str | None:
        """Why a trial at `value` should stop, given `peers` at the same interval; or None."""
        raise NotImplementedError

    def due(self, interval: int) -> bool:
        return interval >= self.delay_evaluation and interval % self.evaluation_interval == 0


@dataclass(frozen=True)
class BanditPolicy(_Policy):
    """Stop a trial whose metric is not within a slack of the best trial's at that interval."""

    slack_factor: float | None = None
    slack_amount: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.slack_factor is None) == (self.slack_amount is None):
            raise ValidationError("BanditPolicy needs exactly one of slack_factor or slack_amount")

    def reason(self, value: float, peers: Sequence[float], maximize: bool) -> str | None:
        best = max(peers) if maximize else min(peers)
        if self.slack_factor is not None:
            limit = best / (1 + self.slack_factor) if maximize else best * (1 + self.slack_factor)
            slack = f"slack_factor {self.slack_factor:g}"
        else:
            assert self.slack_amount is not None
            limit = best - self.slack_amount if maximize else best + self.slack_amount
            slack = f"slack_amount {self.slack_amount:g}"
        if (value < limit) if maximize else (value > limit):
            return f"BanditPolicy: {value:.6g} is outside {slack} of the best {best:.6g}"
        return None


@dataclass(frozen=True)
class MedianStoppingPolicy(_Policy):
    """Stop a trial whose running average is worse than the median of the others'."""

    def reason(self, value: float, peers: Sequence[float], maximize: bool) -> str | None:
        if len(peers) < 2:
            return None
        median = statistics.median(peers)
        if (value < median) if maximize else (value > median):
            return (
                f"MedianStoppingPolicy: running average {value:.6g} is worse than the "
                f"median {median:.6g}"
            )
        return None


@dataclass(frozen=True)
class NoTerminationPolicy(_Policy):
    def reason(self, value: float, peers: Sequence[float], maximize: bool) -> str | None:
        return None


_KINDS: dict[str, type[_Policy]] = {
    "bandit": BanditPolicy,
    "median": MedianStoppingPolicy,
    "none": NoTerminationPolicy,
}


def policy_to_json(policy: _Policy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    kind = {cls: name for name, cls in _KINDS.items()}[type(policy)]
    return {"kind": kind, **{k: v for k, v in policy.__dict__.items()}}


def policy_from_json(data: Mapping[str, Any] | None) -> _Policy | None:
    if data is None:
        return None
    values = dict(data)
    return _KINDS[values.pop("kind")](**values)


def evaluate(
    policy: _Policy,
    series: Mapping[str, Sequence[float]],
    maximize: bool,
    uses_average: bool,
    evaluated: dict[str, int] | None = None,
) -> dict[str, str]:
    """{trial id: reason} for the trials in `series` that the policy stops now.

    `series` maps every trial to its primary metric values so far. Every due
    interval after `evaluated[trial]` (the last interval already looked at,
    updated here) is checked, so a trial that logged several points between
    two evaluations skips none of them.
    """
    stops: dict[str, str] = {}
    done = evaluated if evaluated is not None else {}
    for trial, values in series.items():
        for interval in range(done.get(trial, 0) + 1, len(values) + 1):
            if not policy.due(interval):
                continue
            peers = [
                _at(other_values, interval, uses_average)
                for other, other_values in series.items()
                if len(other_values) >= interval and (other != trial or not uses_average)
            ]
            reason = (
                policy.reason(_at(values, interval, uses_average), peers, maximize)
                if peers
                else None
            )
            if reason is not None:
                stops[trial] = f"{reason} (interval {interval})"
                break
        done[trial] = len(values)
    return stops


def _at(values: Sequence[float], interval: int, average: bool) -> float:
    window = values[:interval]
    return sum(window) / len(window) if average else window[-1]

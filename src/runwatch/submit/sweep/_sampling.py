"""Parameter expressions and sampling, in the style of azureml.train.hyperdrive.

Each expression knows how to draw a value from a `random.Random`; grid
sampling takes the product of `choice` lists. A sampling with a seed draws
the same trials every time.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runwatch.core._values import short_repr
from runwatch.errors import ValidationError


@dataclass(frozen=True)
class Expression:
    kind: str
    args: tuple[Any, ...]

    def draw(self, rng: random.Random) -> Any:
        a = self.args
        if self.kind == "choice":
            return rng.choice(a)
        if self.kind == "randint":
            return rng.randrange(a[0])
        if self.kind == "uniform":
            return rng.uniform(a[0], a[1])
        if self.kind == "quniform":
            return round(rng.uniform(a[0], a[1]) / a[2]) * a[2]
        if self.kind == "loguniform":
            return math.exp(rng.uniform(a[0], a[1]))
        if self.kind == "normal":
            return rng.gauss(a[0], a[1])
        if self.kind == "lognormal":
            return math.exp(rng.gauss(a[0], a[1]))
        raise ValidationError(f"unknown parameter expression {self.kind!r}")

    def to_json(self) -> list[Any]:
        return [self.kind, *self.args]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Expression:
        return cls(str(data[0]), tuple(data[1:]))


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{what} {short_repr(value)} must be a number")
    return float(value)


def choice(*options: Any) -> Expression:
    """One of `options` (also accepts a single list)."""
    if len(options) == 1 and isinstance(options[0], (list, tuple, range)):
        options = tuple(options[0])
    if not options:
        raise ValidationError("choice() needs at least one option")
    for option in options:
        if not isinstance(option, (str, int, float)):
            raise ValidationError(f"choice option {short_repr(option)} must be a str or number")
    return Expression("choice", tuple(options))


def randint(upper: int) -> Expression:
    """An int in [0, upper)."""
    if type(upper) is not int or upper < 1:
        raise ValidationError(f"randint upper bound {short_repr(upper)} must be an int >= 1")
    return Expression("randint", (upper,))


def uniform(min_value: float, max_value: float) -> Expression:
    low, high = _number(min_value, "uniform min"), _number(max_value, "uniform max")
    if low > high:
        raise ValidationError(f"uniform({low}, {high}): min is above max")
    return Expression("uniform", (low, high))


def quniform(min_value: float, max_value: float, q: float) -> Expression:
    step = _number(q, "quniform q")
    if not step > 0:
        raise ValidationError(f"quniform q {q!r} must be a number > 0")
    return Expression("quniform", (*uniform(min_value, max_value).args, step))


def loguniform(min_value: float, max_value: float) -> Expression:
    """exp(uniform(min_value, max_value)), as in Azure ML."""
    return Expression("loguniform", uniform(min_value, max_value).args)


def normal(mu: float, sigma: float) -> Expression:
    return Expression("normal", (_number(mu, "normal mu"), _number(sigma, "normal sigma")))


def lognormal(mu: float, sigma: float) -> Expression:
    return Expression("lognormal", normal(mu, sigma).args)


def _check_space(space: Any) -> dict[str, Expression]:
    if not isinstance(space, Mapping) or not space:
        raise ValidationError(
            f"the parameter space {short_repr(space)} is empty or not a dict; expected e.g. "
            "{'--alpha': choice(0.1, 0.5)}"
        )
    for name, expression in space.items():
        if not isinstance(name, str) or not name.strip("-"):
            raise ValidationError(f"parameter name {short_repr(name)} must be a non-empty str")
        if not isinstance(expression, Expression):
            raise ValidationError(
                f"parameter {name!r}: {short_repr(expression)} is not a parameter expression; "
                "use choice(), uniform(), loguniform(), normal() or randint()"
            )
    return dict(space)


class GridParameterSampling:
    """Every combination of the `choice` lists."""

    def __init__(self, parameter_space: Mapping[str, Expression]) -> None:
        self.parameter_space = _check_space(parameter_space)
        for name, expression in self.parameter_space.items():
            if expression.kind != "choice":
                raise ValidationError(
                    f"grid sampling needs choice() for every parameter; {name!r} is "
                    f"{expression.kind}()"
                )

    def to_json(self) -> dict[str, Any]:
        return {"kind": "grid", "space": {k: v.to_json() for k, v in self.parameter_space.items()}}


class RandomParameterSampling:
    """Independent random draws; `seed` (or properties={'rngSeed': n}) makes them repeatable."""

    def __init__(
        self,
        parameter_space: Mapping[str, Expression],
        properties: Mapping[str, Any] | None = None,
        seed: int | None = None,
    ) -> None:
        self.parameter_space = _check_space(parameter_space)
        self.seed = seed if seed is not None else (properties or {}).get("rngSeed")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "random",
            "seed": self.seed,
            "space": {k: v.to_json() for k, v in self.parameter_space.items()},
        }


def trials(spec: Mapping[str, Any], count: int) -> list[dict[str, Any]]:
    """The parameter sets of the first `count` trials of a sampling (from its JSON)."""
    space = {k: Expression.from_json(v) for k, v in spec["space"].items()}
    if spec["kind"] == "grid":
        names = list(space)
        grid = itertools.product(*(space[n].args for n in names))
        return [dict(zip(names, values, strict=True)) for values in itertools.islice(grid, count)]
    rng = random.Random(spec.get("seed"))
    return [{name: expr.draw(rng) for name, expr in space.items()} for _ in range(count)]


def grid_size(spec: Mapping[str, Any]) -> int:
    return math.prod(len(v) - 1 for v in spec["space"].values())

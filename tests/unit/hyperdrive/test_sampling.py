"""Parameter expressions and grid/random sampling (runwatch.submit.sweep._sampling)."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from runwatch import ValidationError
from runwatch.hyperdrive import (
    GridParameterSampling,
    RandomParameterSampling,
    choice,
    lognormal,
    loguniform,
    normal,
    quniform,
    randint,
    uniform,
)
from runwatch.submit.sweep._sampling import Expression, grid_size, trials

# --- grid --------------------------------------------------------------------------------------


def test_grid_is_the_product_in_order() -> None:
    sampling = GridParameterSampling(
        {"--alpha": choice(0.1, 0.5, 1.0), "--solver": choice("lbfgs", "sgd")}
    )
    spec = sampling.to_json()
    assert spec == {
        "kind": "grid",
        "space": {"--alpha": ["choice", 0.1, 0.5, 1.0], "--solver": ["choice", "lbfgs", "sgd"]},
    }
    assert grid_size(spec) == 6
    assert trials(spec, 100) == [
        {"--alpha": 0.1, "--solver": "lbfgs"},
        {"--alpha": 0.1, "--solver": "sgd"},
        {"--alpha": 0.5, "--solver": "lbfgs"},
        {"--alpha": 0.5, "--solver": "sgd"},
        {"--alpha": 1.0, "--solver": "lbfgs"},
        {"--alpha": 1.0, "--solver": "sgd"},
    ]
    assert trials(spec, 2) == trials(spec, 100)[:2]


@pytest.mark.parametrize(
    ("space", "size"),
    [
        ({"a": choice(1)}, 1),
        ({"a": choice(range(20))}, 20),
        ({"a": choice([1, 2, 3]), "b": choice(4, 5), "c": choice("x", "y", "z", "w")}, 24),
    ],
)
def test_grid_size(space: dict[str, Expression], size: int) -> None:
    spec = GridParameterSampling(space).to_json()
    assert grid_size(spec) == size
    assert len(trials(spec, 10_000)) == size
    assert len({tuple(t.values()) for t in trials(spec, 10_000)}) == size  # all distinct


def test_grid_needs_choice_for_every_parameter() -> None:
    with pytest.raises(ValidationError, match=r"grid sampling needs choice.*'--lr' is uniform"):
        GridParameterSampling({"--alpha": choice(1, 2), "--lr": uniform(0, 1)})


# --- random ------------------------------------------------------------------------------------

_SPACE = {
    "--lr": loguniform(-6, -1),
    "--layers": choice(1, 2, 3),
    "--dropout": uniform(0.0, 0.5),
    "--batch": quniform(16, 128, 16),
    "--seed": randint(1000),
    "--noise": normal(0, 1),
    "--scale": lognormal(0, 0.5),
}


def test_random_with_a_seed_is_reproducible() -> None:
    spec = RandomParameterSampling(_SPACE, seed=42).to_json()
    first = trials(spec, 20)
    assert first == trials(RandomParameterSampling(_SPACE, seed=42).to_json(), 20)
    assert trials(spec, 5) == first[:5]  # a prefix: more trials do not change the first ones
    assert first != trials(RandomParameterSampling(_SPACE, seed=43).to_json(), 20)
    assert len({t["--lr"] for t in first}) == 20
    # Azure's spelling of the seed.
    by_property = RandomParameterSampling(_SPACE, properties={"rngSeed": 42}).to_json()
    assert trials(by_property, 20) == first
    assert spec["kind"] == "random" and spec["seed"] == 42


def test_random_without_a_seed_differs_between_samplings() -> None:
    a = trials(RandomParameterSampling(_SPACE).to_json(), 5)
    b = trials(RandomParameterSampling(_SPACE).to_json(), 5)
    assert a != b


def test_each_expression_draws_in_its_range() -> None:
    drawn = trials(RandomParameterSampling(_SPACE, seed=0).to_json(), 500)
    lr = [t["--lr"] for t in drawn]
    assert all(math.exp(-6) <= v <= math.exp(-1) for v in lr)
    assert statistics.median(math.log(v) for v in lr) == pytest.approx(-3.5, abs=0.5)
    assert {t["--layers"] for t in drawn} == {1, 2, 3}
    assert all(0.0 <= t["--dropout"] <= 0.5 for t in drawn)
    batches = {t["--batch"] for t in drawn}
    assert batches <= {16.0 * k for k in range(1, 9)} and len(batches) > 4
    seeds = [t["--seed"] for t in drawn]
    assert all(type(s) is int and 0 <= s < 1000 for s in seeds)
    noise = [t["--noise"] for t in drawn]
    assert statistics.mean(noise) == pytest.approx(0, abs=0.2)
    assert statistics.stdev(noise) == pytest.approx(1, abs=0.2)
    assert min(noise) < 0 < max(noise)
    assert all(t["--scale"] > 0 for t in drawn)


def test_expressions_draw_from_a_random_generator() -> None:
    rng = random.Random(1)
    assert choice("a").draw(rng) == "a"
    assert randint(1).draw(rng) == 0
    assert uniform(2, 2).draw(rng) == 2
    assert Expression.from_json(uniform(1, 3).to_json()) == uniform(1, 3)
    with pytest.raises(ValidationError, match="unknown parameter expression 'beta'"):
        Expression("beta", (1, 2)).draw(rng)


# --- invalid -----------------------------------------------------------------------------------


@pytest.mark.parametrize("space", [{}, None, [("--a", choice(1))], "alpha"])
def test_an_empty_or_non_dict_space(space: object) -> None:
    for cls in (GridParameterSampling, RandomParameterSampling):
        with pytest.raises(ValidationError, match=r"parameter space .* is empty or not a dict"):
            cls(space)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "--", 3])
def test_parameter_names_must_be_non_empty(name: object) -> None:
    with pytest.raises(ValidationError, match="parameter name"):
        RandomParameterSampling({name: choice(1)})  # type: ignore[dict-item]


def test_a_value_that_is_not_an_expression_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        GridParameterSampling({"--alpha": [0.1, 0.5]})  # type: ignore[dict-item]
    message = str(caught.value)
    assert "'--alpha'" in message and "[0.1, 0.5]" in message
    assert "choice()" in message


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: choice(), "at least one option"),
        (lambda: choice([]), "at least one option"),
        (lambda: choice(None), "choice option None"),
        (lambda: choice(1, [2]), r"choice option \[2\]"),
        (lambda: randint(0), "randint upper bound 0"),
        (lambda: randint(2.5), "randint upper bound 2.5"),
        (lambda: randint(True), "randint upper bound True"),
        (lambda: uniform(2, 1), r"uniform\(2.0, 1.0\): min is above max"),
        (lambda: uniform("0", 1), "uniform min '0' must be a number"),
        (lambda: uniform(0, True), "uniform max True must be a number"),
        (lambda: loguniform(0, -1), "min is above max"),
        (lambda: quniform(0, 10, "1"), "q '1' must be a number"),
        (lambda: normal(None, 1), "normal mu None must be a number"),
        (lambda: lognormal(0, "1"), "normal sigma '1' must be a number"),
    ],
)
def test_invalid_expressions(make: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        make()  # type: ignore[operator]


@pytest.mark.parametrize("q", [0, -2])
def test_quniform_needs_a_positive_step(q: float) -> None:
    # q=0 would only fail later, inside the sweep, with ZeroDivisionError.
    with pytest.raises(ValidationError, match="q"):
        quniform(0, 10, q)

"""AutoML through runwatch against FLAML alone: quality, the cost of tracking, the view.

1. Quality, with the same budget and seed for both: scikit-learn's breast-cancer data
   (classification, AUC_weighted, 3-fold cross validation), target: best AUC_weighted
   >= 0.99; diabetes (regression, normalized RMSE on a 20% test split the search never
   sees), target: within 2% of FLAML alone.
2. Cost of tracking: the same search (a fixed number of iterations; the time budget and
   early stopping the search gives FLAML, which steer its choice of estimators) through
   runwatch (submit to the local agent until the parent is Completed) and FLAML alone
   in a new process; target: runwatch's wall time <= 1.10 x FLAML's. Also the
   iterations' span against FLAML's fit in a warm process (the cost per iteration).
   The rounds alternate the two; the medians are compared.
3. The AutoML view with 500 iterations: the first poll and state (read model), the
   RunDetails panel's first draw, and a refresh after one more iteration.

    python benchmarks/automl.py [--budget 60] [--iterations 40] [--views 500] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def _workspace(folder: str) -> Any:
    import runwatch

    return runwatch.Workspace("bench", store=f"sqlite:///{folder}/rw.db", artifacts=f"{folder}/art")


def _wait(run: Any) -> None:
    from runwatch import RunStatus

    while not RunStatus.is_final(run.get_status()):
        time.sleep(0.05)


def _engine_options(settings: dict[str, Any]) -> dict[str, Any]:
    """FLAML's options that runwatch's search sets from the AutoML settings besides the
    estimators: the time budget and early stopping steer which estimator FLAML tries
    next, so FLAML alone needs the same ones to run the same search."""
    return {
        "time_budget": settings["experiment_timeout_minutes"] * 60,
        "early_stop": settings["enable_early_stopping"],
    }


def _flaml(X: Any, y: Any, task: str, metric: str, estimators: list[str], **fit: Any) -> Any:
    from flaml import AutoML

    automl = AutoML()
    automl.fit(
        X_train=np.asarray(X, dtype=float),
        y_train=np.asarray(y),
        task=task,
        metric=metric,
        estimator_list=estimators,
        eval_method="cv",
        n_splits=3,
        verbose=0,
        **fit,
    )
    return automl


def quality(budget: float, seed: int) -> dict[str, Any]:
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import train_test_split

    from runwatch import Experiment
    from runwatch.automl import AutoMLConfig

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        ws = _workspace(folder)
        cancer = load_breast_cancer(as_frame=True).frame
        config = AutoMLConfig(
            task="classification",
            training_data=cancer,
            label_column_name="target",
            n_cross_validations=3,
            primary_metric="AUC_weighted",
            experiment_timeout_minutes=budget / 60,
            seed=seed,
            debug_log=None,  # nothing written into the folder it runs from
        )
        run = Experiment(ws, "cancer").submit(config)
        _wait(run)
        best, _ = run.get_output()
        out["cancer_auc_weighted"] = best.get_metrics()["AUC_weighted"]
        out["cancer_iterations"] = len(list(run.get_children()))

        X, y = load_diabetes(return_X_y=True, as_frame=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=seed)
        span = float(y_train.max() - y_train.min())
        config = AutoMLConfig(
            task="regression",
            X=X_train,
            y=y_train,
            n_cross_validations=3,
            primary_metric="normalized_root_mean_squared_error",
            experiment_timeout_minutes=budget / 60,
            enable_voting_ensemble=False,
            enable_stack_ensemble=False,
            featurization="off",
            seed=seed,
            debug_log=None,  # nothing written into the folder it runs from
        )
        run = Experiment(ws, "diabetes").submit(config)
        _wait(run)
        _, model = run.get_output()
        ours = float(np.sqrt(mean_squared_error(y_test, model.predict(X_test)))) / span
        alone = _flaml(
            X_train,
            y_train,
            "regression",
            "rmse",
            config.settings()["estimators"],
            seed=seed,
            **_engine_options(config.settings()),
        )
        theirs = (
            float(np.sqrt(mean_squared_error(y_test, alone.predict(np.asarray(X_test))))) / span
        )
        out.update(
            diabetes_nrmse_runwatch=ours,
            diabetes_nrmse_flaml=theirs,
            diabetes_ratio=ours / theirs,
            diabetes_iterations=len(list(run.get_children())),
        )
    return out


_ALONE = """
import json, sys
import numpy as np
from flaml import AutoML
from sklearn.datasets import load_breast_cancer
X, y = load_breast_cancer(return_X_y=True)
AutoML().fit(X_train=X, y_train=y, task="classification", metric="accuracy",
    eval_method="cv", n_splits=3, verbose=0, **json.loads(sys.argv[1]))
"""


def overhead(iterations: int, seed: int, rounds: int) -> dict[str, Any]:
    """Wall times of the same search: through runwatch (submit until Completed), FLAML
    alone in a new process (imports included, as the search process pays them) and
    in this one; and the iterations' span (first start to last end) against FLAML's."""
    import subprocess
    import sys

    from sklearn.datasets import load_breast_cancer

    from runwatch import Experiment
    from runwatch.automl import AutoMLConfig

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    ours, spans, fresh, alone = [], [], [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            ws = _workspace(folder)
            config = AutoMLConfig(
                task="classification",
                X=X,
                y=y,
                n_cross_validations=3,
                primary_metric="accuracy",
                iterations=iterations,
                enable_voting_ensemble=False,
                enable_stack_ensemble=False,
                featurization="off",
                seed=seed,
                debug_log=None,
            )
            started = time.perf_counter()
            run = Experiment(ws, "overhead").submit(config)
            _wait(run)
            ours.append(time.perf_counter() - started)
            children = [c.info for c in run.get_children()]
            spans.append(max(c.end_time for c in children) - min(c.start_time for c in children))
        settings = config.settings()
        options = {
            "estimator_list": settings["estimators"],
            "max_iter": iterations,
            "seed": seed,
            **_engine_options(settings),
        }
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _ALONE, json.dumps(options)], check=True)
        fresh.append(time.perf_counter() - started)
        started = time.perf_counter()
        _flaml(
            X,
            y,
            "classification",
            "accuracy",
            settings["estimators"],
            max_iter=iterations,
            seed=seed,
            **_engine_options(settings),
        )
        alone.append(time.perf_counter() - started)
    median = statistics.median
    return {
        "iterations": iterations,
        "runwatch_seconds": median(ours),
        "flaml_process_seconds": median(fresh),
        "flaml_seconds": median(alone),
        "span_seconds": median(spans),
        "ratio": median(ours) / median(fresh),
        "span_ratio": median(spans) / median(alone),
    }


def view(count: int) -> dict[str, Any]:
    from runwatch import Run, RunStatus
    from runwatch.core._records import RunType
    from runwatch.views._automl import AutoMLTracker

    with tempfile.TemporaryDirectory() as folder:
        ws = _workspace(folder)
        info = ws.store.create_runs(
            "view",
            run_type=RunType.AUTOML,
            status=RunStatus.RUNNING,
            properties={"task": "classification", "primary_metric": "AUC_weighted"},
        )[0]
        parent = Run.get(ws, info.id)
        rng = np.random.default_rng(0)
        names = (
            "AUC_weighted",
            "accuracy",
            "log_loss",
            "f1_score_weighted",
            "precision_score_weighted",
        )

        def iteration(i: int) -> None:
            child = parent.child_run()
            child.add_properties({"iteration": i, "run_algorithm": "MaxAbsScaler LightGBM"})
            for name in names:
                child.log(name, float(rng.random()))
            child.complete()
            child.flush()

        for i in range(count):
            iteration(i)
        started = time.perf_counter()
        tracker = AutoMLTracker(ws.store, parent.id)
        tracker.poll()
        tracker.state()
        first_state = time.perf_counter() - started
        from runwatch.widgets._automl import AutoMLPanel

        started = time.perf_counter()
        panel = AutoMLPanel(AutoMLTracker(ws.store, parent.id), lambda _id: None)
        first_panel = time.perf_counter() - started
        iteration(count)
        started = time.perf_counter()
        panel.refresh()
        refresh = time.perf_counter() - started
        assert panel.state is not None and panel.state["total"] == count + 1
        started = time.perf_counter()
        panel.refresh()  # nothing new
        idle = time.perf_counter() - started
        panel.close()
    return {
        "iterations": count,
        "first_state_seconds": first_state,
        "first_panel_seconds": first_panel,
        "refresh_seconds": refresh,
        "idle_refresh_seconds": idle,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--views", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results" / "automl.md"))
    args = parser.parse_args()
    os.environ.setdefault("RUNWATCH_AGENT_IDLE", "5")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = ["# AutoML benchmark (benchmarks/automl.py)", "", f"Load average at start: {load}.", ""]
    v = view(args.views)
    lines += [
        f"## The AutoML view with {v['iterations']} iterations",
        "",
        f"- read model, first poll and state: {v['first_state_seconds'] * 1000:.0f} ms",
        f"- RunDetails AutoML panel, first draw: {v['first_panel_seconds'] * 1000:.0f} ms",
        f"- refresh after one more iteration: {v['refresh_seconds'] * 1000:.0f} ms",
        f"- refresh with nothing new: {v['idle_refresh_seconds'] * 1000:.1f} ms",
        "",
    ]
    print("\n".join(lines), flush=True)
    o = overhead(args.iterations, args.seed, args.rounds)
    part = [
        f"## Cost of tracking ({o['iterations']} iterations, breast cancer, 3 folds, median of "
        f"{args.rounds})",
        "",
        f"- runwatch, submit until Completed: {o['runwatch_seconds']:.1f} s",
        f"- FLAML alone in a new process (imports included): {o['flaml_process_seconds']:.1f} s",
        f"- ratio: {o['ratio']:.3f} (target <= 1.10)",
        f"- the iterations' span through runwatch (first start to last end): "
        f"{o['span_seconds']:.1f} s; FLAML's fit in a warm process: {o['flaml_seconds']:.1f} s; "
        f"ratio {o['span_ratio']:.3f}",
        "",
    ]
    print("\n".join(part), flush=True)
    lines += part
    if not args.skip_quality:
        q = quality(args.budget, args.seed)
        part = [
            f"## Quality ({args.budget:g} s budgets, seed {args.seed})",
            "",
            f"- breast cancer, best AUC_weighted: {q['cancer_auc_weighted']:.4f} "
            f"({q['cancer_iterations']} iterations; target >= 0.99)",
            f"- diabetes, normalized RMSE on the test split: runwatch "
            f"{q['diabetes_nrmse_runwatch']:.4f}, FLAML alone {q['diabetes_nrmse_flaml']:.4f}, "
            f"ratio {q['diabetes_ratio']:.3f} ({q['diabetes_iterations']} iterations; target "
            "<= 1.02)",
            "",
        ]
        print("\n".join(part), flush=True)
        lines += part
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines += [f"Load average at the end: {load} (2 cores; the ratios are the robust figures).", ""]
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()

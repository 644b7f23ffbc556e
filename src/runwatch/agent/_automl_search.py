"""The AutoML search process: FLAML searches; each of its trials becomes a child run.

`python -m runwatch.agent._automl_search --run-id <parent>` (started by
`_automl_job.AutoMLJob`) reads the search's settings and data from the parent
run, featurizes the data once (`submit.automl._pipeline.featurizer`) and runs
`flaml.AutoML.fit` with a metric function of runwatch's own. FLAML calls it on
each validation fold of each trial with the trial's fitted estimator, so a new
estimator marks a new trial (iteration): its child run starts; the fold's
predictions give the primary metric, FLAML's loss. A trial ends after its last
fold (FLAML's `cv_score_agg_func` with cross validation, the single call with a
holdout) and is ranked at once; the recorder process (`_automl_recorder`) then
writes it while the next trial trains: the child's metrics (Azure's set, averaged
over the folds), the confusion matrix and accuracy table (or residuals and
predicted vs. true) of the folds' predictions, its hyperparameters and pipeline
name as properties, its fitted pipeline as `outputs/model.pkl`, and the parent's
best primary metric so far. The best configuration's model retrained on all the
training data replaces its iteration's model at the end. Then, when enabled, come
Azure's two ensembles of the best iterations (chosen greedily by their blended fold
predictions): a soft-voting ensemble, and a stack ensemble whose meta-learner is
fitted on those iterations' validation predictions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import pickle
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from runwatch.agent import _automl_metrics
from runwatch.agent._automl_recorder import Ended, Recorder, Setup
from runwatch.artifacts import _s3_options as _remote
from runwatch.core import _automl, _settings
from runwatch.core._records import RunStatus
from runwatch.errors import RunStateError
from runwatch.submit.automl._models import azure_name, default_meta_learner, meta_learner
from runwatch.submit.automl._pipeline import (
    StackModel,
    VotingModel,
    featurizer,
    full_proba,
    pipeline,
    stack_features,
)
from runwatch.submit.automl._run import DATA_FILE
from runwatch.tracking._run import Run
from runwatch.tracking._workspace import Workspace

logger = logging.getLogger("runwatch.automl")
_ENSEMBLE_SIZE = 10  # members drawn (with replacement) into the voting ensemble
_KEEP = 10  # iterations whose fold predictions are kept for the ensemble


class _Trial:
    """One iteration while FLAML evaluates it, then (for the best few) its folds'
    predictions and its pickled pipeline, for the ensembles."""

    def __init__(
        self, iteration: int, estimator: Any, config: dict[str, Any], learner: str = ""
    ) -> None:
        self.iteration = iteration
        self.estimator = estimator
        self.config = config
        self.learner = learner
        self.folds: list[tuple[np.ndarray, np.ndarray, dict[str, float]]] = []
        self.value: float | None = None
        self.model: bytes | None = None


class Search:
    def __init__(self, ws: Workspace, parent: Run) -> None:
        self.ws = ws
        self.parent = parent
        definition = ws.store.get_definition(parent.id) or {}
        self.settings: dict[str, Any] = definition["settings"]
        self.task: str = self.settings["task"]
        self.metric: str = self.settings["primary_metric"]
        self.maximize = _automl.maximize(self.metric)
        self.trial: _Trial | None = None
        self.iteration = 0
        self.best: float | None = None
        self.mark = time.monotonic()
        self.kept: list[_Trial] = []  # the best finished trials, for the ensemble
        self.finished: list[_Trial] = []
        #: Only the primary metric is needed here; AUC and average precision cost most.
        self.ranked = _automl_metrics.is_ranked(self.metric)
        self.recorder: Recorder | None = None

    # --- data --------------------------------------------------------------------------
    def _load(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = self.parent.download_file(DATA_FILE, Path(folder) / "data.pkl")
            with open(path, "rb") as stream:
                data = pickle.load(stream)
        features, target = data["X"], data["y"]
        self.featurizer = featurizer(features, self.settings["featurization"]).fit(features)
        self.X = np.asarray(self.featurizer.transform(features), dtype=float)
        self.X_valid: Any = None
        self.y_valid: Any = None
        self.classes: list[Any] | None = None
        self.y_range = 0.0  # regression: the target's range, the normalized metrics' scale
        if self.task == _automl.CLASSIFICATION:
            self.classes = list(dict.fromkeys(self.settings["classes"]))
            index = {_key(c): i for i, c in enumerate(self.classes)}
            self.y = np.array([index[_key(v)] for v in target.tolist()], dtype=int)
        else:
            self.y = np.asarray(target, dtype=float)
            self.y_range = float(self.y.max() - self.y.min())
        if data["X_valid"] is not None:
            self.X_valid = np.asarray(self.featurizer.transform(data["X_valid"]), dtype=float)
            if self.classes is not None:
                index = {_key(c): i for i, c in enumerate(self.classes)}
                self.y_valid = np.array(
                    [index.get(_key(v), -1) for v in data["y_valid"].tolist()], dtype=int
                )
                keep = self.y_valid >= 0  # classes the training data lacks cannot be scored
                self.X_valid, self.y_valid = self.X_valid[keep], self.y_valid[keep]
            else:
                self.y_valid = np.asarray(data["y_valid"], dtype=float)

    # --- the search ---------------------------------------------------------------------
    def run(self) -> None:
        import importlib

        self._load()
        self.recorder = Recorder(
            Setup(
                workspace=self.ws.name,
                store=self.ws.store_url,
                artifacts=self.ws.artifacts_url,
                artifacts_options=dict(self.ws.artifacts_options),
                parent_id=self.parent.id,
                task=self.task,
                classes=self.classes,
                y_range=self.y_range,
            )
        )
        settings = self.settings
        fit: dict[str, Any] = {
            "X_train": self.X,
            "y_train": self.y,
            "task": self.task,
            "metric": self._evaluate,
            "estimator_list": settings["estimators"],
            "time_budget": settings["experiment_timeout_minutes"] * 60,
            "max_iter": settings["iterations"] - len(self._ensembles()),
            "early_stop": settings["enable_early_stopping"],
            "seed": settings["seed"],
            "verbose": 0,
            "log_file_name": "",
            "cv_score_agg_func": self._end_cv_trial,
            "retrain_full": True,
        }
        if settings["iteration_timeout_minutes"]:
            fit["train_time_limit"] = settings["iteration_timeout_minutes"] * 60
        if self.X_valid is not None:
            fit.update(eval_method="holdout", X_val=self.X_valid, y_val=self.y_valid)
        elif settings["n_cross_validations"]:
            fit.update(eval_method="cv", n_splits=settings["n_cross_validations"])
        else:
            fit.update(eval_method="holdout", split_ratio=settings["validation_size"])
        self.cv = fit["eval_method"] == "cv"
        fit["max_iter"] = max(1, fit["max_iter"])
        automl: Any = importlib.import_module("flaml").AutoML()
        print(
            f"searching {', '.join(settings['models'])} for the best {self.metric} "
            f"({self.task}, {len(self.y)} rows, {self.X.shape[1]} features)",
            flush=True,
        )
        automl.fit(**fit)
        if self.trial is not None:  # a trial FLAML stopped before its last fold
            self._end_trial(failed="the search ended before the iteration's last fold")
        self._final_model(automl)
        ensembles = self._ensembles()
        chosen = self._selection() if ensembles else []
        if chosen and "VotingEnsemble" in ensembles:
            self._voting(chosen)
        if "StackEnsemble" in ensembles:
            # The chosen iterations; the best few when the choice fell on one alone.
            members = [t for t, _ in chosen] if len(chosen) > 1 else self._candidates()[:5]
            if len(members) > 1:
                self._stack(members)
        self._recording().drain()
        print(f"{len(self.finished)} iterations; best {self.metric}: {self.best}", flush=True)

    def _evaluate(
        self,
        X_val: Any,
        y_val: Any,
        estimator: Any,
        labels: Any,
        X_train: Any,
        y_train: Any,
        weight_val: Any = None,
        weight_train: Any = None,
        config: Any = None,
        groups_val: Any = None,
        groups_train: Any = None,
    ) -> tuple[float, dict[str, Any]]:
        """FLAML's metric function: one validation fold of the current trial."""
        if self.trial is not None and self.trial.estimator is not estimator:
            self._end_trial(failed="the engine gave up on the iteration")
        if self.trial is None:
            self._start_trial(estimator, dict(config or {}))
        assert self.trial is not None
        started = time.perf_counter()
        true = np.asarray(y_val)
        if self.task == _automl.CLASSIFICATION:
            assert self.classes is not None
            scores = _full_proba(estimator, X_val, len(self.classes))
            fold = _automl_metrics.classification(
                true, scores, len(self.classes), ranked=self.ranked
            )
        else:
            scores = np.asarray(estimator.predict(X_val), dtype=float)
            fold = _automl_metrics.regression(true, scores, self.y_range)
        self.trial.folds.append((true, scores, fold))
        loss = self._loss(fold.get(self.metric))
        logged = {"pred_time": (time.perf_counter() - started) / max(len(true), 1)}
        if not self.cv:
            self._end_trial()
        return loss, logged

    def _loss(self, value: float | None) -> float:
        if value is None or not math.isfinite(value):
            return math.inf
        return 1.0 - value if self.maximize else value

    def _end_cv_trial(
        self, val_loss_folds: list[float], log_metrics_folds: list[Any]
    ) -> tuple[float, dict[str, Any] | None]:
        """FLAML's cross-validation aggregate: the trial's last fold is done."""
        self._end_trial()
        loss = float(np.mean(val_loss_folds))
        times = [m.get("pred_time", 0.0) for m in log_metrics_folds if isinstance(m, dict)]
        return loss, {"pred_time": float(np.mean(times)) if times else 0.0}

    # --- iterations ---------------------------------------------------------------------
    def _pipeline_name(self, learner: str) -> tuple[str, str]:
        model = azure_name(self.task, learner)
        preprocessor = "MaxAbsScaler" if self.settings["featurization"] == "auto" else ""
        return preprocessor, f"{preprocessor} {model}".strip()

    def close(self) -> None:
        """End the recorder process, which has written everything by now."""
        if self.recorder is not None:
            self.recorder.close()

    def _recording(self) -> Recorder:
        assert self.recorder is not None, "the recorder starts with the search"
        return self.recorder

    def _start_trial(self, estimator: Any, config: dict[str, Any]) -> None:
        learner = _learner_name(estimator)
        preprocessor, name = self._pipeline_name(learner)
        hyper = {k: _plain(v) for k, v in config.items() if k != "FLAML_sample_size"}
        self._recording().start(
            self.iteration,
            f"{name} ({self.iteration})",
            {
                _automl.ITERATION_PROPERTY: self.iteration,
                _automl.PIPELINE_PROPERTY: name,
                _automl.PREPROCESSOR_PROPERTY: preprocessor,
                "run_template": "automl_child",
                "learner": learner,
                "hyperparameters": json.dumps(hyper, sort_keys=True, default=str),
                **{f"param.{k}": v for k, v in hyper.items() if isinstance(v, (int, float, str))},
            },
        )
        self.trial = _Trial(self.iteration, estimator, hyper, learner)
        self.iteration += 1

    def _end_trial(self, failed: str | None = None) -> None:
        trial, self.trial = self.trial, None
        if trial is None:
            return
        if failed is not None or not trial.folds:
            message = failed or "the iteration produced no validation fold"
            self._recording().fail(trial.iteration, message, self._lap())
            return
        model = pipeline(self.featurizer, trial.estimator, self.classes)
        self._record(trial, model, self._lap())
        self._remember(trial)

    def _lap(self) -> float:
        """Seconds since the last iteration ended (or the search started)."""
        now = time.monotonic()
        duration, self.mark = now - self.mark, now
        return duration

    def _record(self, trial: _Trial, model: Any, duration: float) -> None:
        """Rank the finished iteration now; the recorder process records it while the
        next trial trains (the model is pickled here: the engine may free it)."""
        trial.value = _automl_metrics.average([fold for _, _, fold in trial.folds]).get(self.metric)
        trial.model = pickle.dumps(model)
        if trial.value is not None:
            self.best = _automl.best_so_far([self.best, trial.value], self.metric)[-1]
        self.finished.append(trial)
        folds = [(true, scores) for true, scores, _ in trial.folds]
        self._recording().end(
            Ended(trial.iteration, folds, trial.model, trial.value, self.best, duration)
        )

    def _remember(self, trial: _Trial) -> None:
        if trial.value is None:
            return
        self.kept.append(trial)
        self.kept.sort(key=lambda t: -(t.value or 0.0) if self.maximize else (t.value or 0.0))
        for dropped in self.kept[_KEEP:]:
            dropped.folds, dropped.model = [], None  # no longer needed
        self.kept = self.kept[:_KEEP]

    # --- the end of the search ---------------------------------------------------------
    def _final_model(self, automl: Any) -> None:
        """The best configuration retrained on all the training data replaces the model
        of the iteration that found it."""
        if automl.model is None or not automl.best_estimator:
            return
        best_config = {k: _plain(v) for k, v in (automl.best_config or {}).items()}
        for trial in self.finished:
            if trial.learner == automl.best_estimator and _same(trial.config, best_config):
                blob = pickle.dumps(pipeline(self.featurizer, automl.model, self.classes))
                if trial.model is not None:  # an ensemble member: it uses this model
                    trial.model = blob
                self._recording().replace_model(
                    trial.iteration, blob, {"retrained_on_all_rows": True}
                )
                return

    def _ensembles(self) -> list[str]:
        """The ensemble iterations that end the search, in Azure's order."""
        settings = self.settings
        return [
            name
            for name, key in (
                ("VotingEnsemble", "enable_voting_ensemble"),
                ("StackEnsemble", "enable_stack_ensemble"),
            )
            if settings.get(key)
        ]

    def _candidates(self) -> list[_Trial]:
        """The best iterations (best first) whose folds are the best one's."""
        if not self.kept:
            return []
        reference = self.kept[0].folds
        return [
            t
            for t in self.kept
            if len(t.folds) == len(reference)
            and all(
                len(a) == len(b) and np.array_equal(a, b)
                for (a, _, _), (b, _, _) in zip(t.folds, reference, strict=True)
            )
        ]

    def _selection(self) -> list[tuple[_Trial, int]]:
        """The best iterations chosen greedily (with replacement) by the primary metric
        of their blended predictions on the same validation folds, with their counts."""
        members = self._candidates()
        if len(members) < 2:
            return []
        counts = [0] * len(members)
        current: float | None = None
        for _ in range(_ENSEMBLE_SIZE):
            best_choice, best_value = None, None
            for index in range(len(members)):
                trial_counts = counts.copy()
                trial_counts[index] += 1
                value = self._ensemble_value(members, trial_counts)
                if value is not None and (
                    best_value is None
                    or (value > best_value if self.maximize else value < best_value)
                ):
                    best_choice, best_value = index, value
            if best_choice is None or (
                current is not None
                and best_value is not None
                and not (best_value > current if self.maximize else best_value < current)
                and sum(counts) > 0
            ):
                break
            counts[best_choice] += 1
            current = best_value
        return [(m, c) for m, c in zip(members, counts, strict=True) if c]

    def _ensemble_run(self, name: str, members: list[_Trial], **properties: Any) -> _Trial:
        self.mark = time.monotonic()
        self._recording().start(
            self.iteration,
            f"{name} ({self.iteration})",
            {
                _automl.ITERATION_PROPERTY: self.iteration,
                _automl.PIPELINE_PROPERTY: name,
                _automl.PREPROCESSOR_PROPERTY: "",
                "run_template": "automl_child",
                "learner": name,
                "ensembled_iterations": json.dumps([m.iteration for m in members]),
                **properties,
            },
        )
        trial = _Trial(self.iteration, None, {}, name)
        self.iteration += 1
        return trial

    def _voting(self, chosen: list[tuple[_Trial, int]]) -> None:
        """A soft-voting ensemble of the chosen iterations, weighted by their counts."""
        members = [m for m, _ in chosen]
        weights = np.array([c for _, c in chosen], dtype=float)
        trial = self._ensemble_run(
            "VotingEnsemble",
            members,
            ensemble_weights=json.dumps(list(weights / weights.sum())),
        )
        for fold in range(len(members[0].folds)):
            true = members[0].folds[fold][0]
            scores = self._blend(members, weights, fold)
            trial.folds.append((true, scores, self._fold_metrics(true, scores)))
        voting = VotingModel(_models(members), list(weights), self.task)
        self._record(trial, pipeline(self.featurizer, voting, self.classes), self._lap())

    def _stack(self, members: list[_Trial]) -> None:
        """Azure's stack ensemble: a meta-learner fitted on the chosen iterations'
        validation predictions. Its metrics are cross-validated over those predictions
        (leaving each validation fold out in turn; a single holdout is cut in three)."""
        from sklearn.model_selection import KFold

        name = self.settings.get("stack_meta_learner_type") or default_meta_learner(
            self.task, self.cv
        )
        seed = self.settings.get("seed")
        true_folds = [members[0].folds[f][0] for f in range(len(members[0].folds))]
        feature_folds = [
            stack_features([m.folds[f][1] for m in members], self.task)
            for f in range(len(true_folds))
        ]
        true_all, features_all = np.concatenate(true_folds), np.vstack(feature_folds)
        if len(true_folds) > 1:
            bounds = np.cumsum([0] + [len(t) for t in true_folds])
            parts = [np.arange(bounds[i], bounds[i + 1]) for i in range(len(true_folds))]
        else:
            cut = KFold(3, shuffle=True, random_state=seed).split(features_all)
            parts = [held for _, held in cut]
        trial = self._ensemble_run("StackEnsemble", members, stack_meta_learner_type=name)
        everything = np.arange(len(true_all))
        for held in parts:
            rest = np.setdiff1d(everything, held)
            meta = self._fit_meta(name, seed, features_all[rest], true_all[rest])
            if meta is None:
                message = "the meta-learner's training rows hold one class"
                self._recording().fail(trial.iteration, message, self._lap())
                return
            scores = self._meta_scores(meta, features_all[held])
            true = true_all[held]
            trial.folds.append((true, scores, self._fold_metrics(true, scores)))
        meta = self._fit_meta(name, seed, features_all, true_all)
        stack = StackModel(_models(members), meta, self.task, len(self.classes or []))
        self._record(trial, pipeline(self.featurizer, stack, self.classes), self._lap())

    def _fit_meta(self, name: str, seed: int | None, features: Any, true: Any) -> Any:
        if self.classes is not None and len(np.unique(true)) < 2:
            return None
        with warnings.catch_warnings():  # notices of scikit-learn's coming defaults
            warnings.simplefilter("ignore", FutureWarning)
            return meta_learner(name, seed).fit(features, true)

    def _meta_scores(self, meta: Any, features: Any) -> Any:
        if self.classes is not None:
            return full_proba(meta, features, len(self.classes))
        return np.asarray(meta.predict(features), dtype=float)

    def _fold_metrics(self, true: Any, scores: Any) -> dict[str, float]:
        if self.classes is not None:
            return _automl_metrics.classification(
                true, scores, len(self.classes), ranked=self.ranked
            )
        return _automl_metrics.regression(true, scores, self.y_range)

    def _blend(self, members: list[_Trial], weights: Any, fold: int) -> Any:
        stacked = np.stack([m.folds[fold][1] for m in members])
        return np.tensordot(weights / weights.sum(), stacked, axes=1)

    def _ensemble_value(self, members: list[_Trial], counts: list[int]) -> float | None:
        weights = np.asarray(counts, dtype=float)
        used = [m for m, c in zip(members, counts, strict=True) if c]
        used_weights = weights[weights > 0]
        values = []
        for fold in range(len(members[0].folds)):
            true = members[0].folds[fold][0]
            value = self._fold_metrics(true, self._blend(used, used_weights, fold)).get(self.metric)
            if value is None:
                return None
            values.append(value)
        return float(np.mean(values))


def _key(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return (type(value).__name__ if not isinstance(value, (int, float)) else "number", value)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = (set(a) | set(b)) - {"FLAML_sample_size"}
    return all(_plain(a.get(k)) == _plain(b.get(k)) for k in keys)


def _learner_name(estimator: Any) -> str:
    from flaml.automl.task.factory import task_factory

    for task in (_automl.CLASSIFICATION, _automl.REGRESSION):
        estimators: dict[str, Any] = getattr(task_factory(task), "estimators", {})
        for name, cls in estimators.items():
            if type(estimator) is cls:
                return str(name)
    return type(estimator).__name__


def _full_proba(estimator: Any, X: Any, n_classes: int) -> Any:
    """Class probabilities with a column per class, even when a training fold lacked one."""
    scores = np.asarray(estimator.predict_proba(X), dtype=float)
    if scores.ndim == 1:
        scores = np.column_stack([1 - scores, scores])
    if scores.shape[1] == n_classes:
        return scores
    known = getattr(getattr(estimator, "estimator", None), "classes_", None)
    full = np.zeros((scores.shape[0], n_classes))
    columns = np.asarray(known, dtype=int) if known is not None else np.arange(scores.shape[1])
    full[:, columns] = scores
    return full


def _models(members: list[_Trial]) -> list[Any]:
    """The fitted estimators of ensemble members (each pipeline's last step): members
    are among the best iterations, which keep their pickled pipelines."""
    models = []
    for member in members:
        assert member.model is not None, f"iteration {member.iteration} kept no model"
        models.append(pickle.loads(member.model).steps[-1][1].model)
    return models


def _debug_log(settings: dict[str, Any]) -> None:
    path = settings.get("debug_log")
    level = int(settings.get("verbosity") or logging.INFO)
    if path and os.path.isdir(os.path.dirname(path)):
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        for name in ("flaml", "runwatch.automl"):
            logging.getLogger(name).addHandler(handler)
            logging.getLogger(name).setLevel(level)


def _stop_on_cancel(search: Search, every: float = 0.5) -> None:
    """End the search process as soon as its parent run is asked to cancel: the open
    iteration ends Canceled, then the process exits (the agent ends the parent)."""
    store = search.ws.store
    while True:
        time.sleep(every)
        try:
            requested = store.get_run(search.parent.id).cancel_requested
        except Exception:  # a store hiccup: look again
            continue
        if requested:
            if search.recorder is not None:
                search.recorder.kill()  # it starts no iteration after this
            for child in store.get_children(search.parent.id):
                if not child.is_final:
                    with contextlib.suppress(RunStateError):
                        store.set_status(child.id, RunStatus.CANCELED)
                    store.set_owner(child.id, None)
            print("the search was canceled", flush=True)
            os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m runwatch.agent._automl_search")
    parser.add_argument("--run-id", required=True)
    args = parser.parse_args(argv)
    where = _settings.context_workspace()
    if where is None:
        sys.exit("the AutoML search is started by the runwatch agent, with its workspace set")
    name, store, artifacts = where
    ws = Workspace(name, store, artifacts, artifacts_options=_remote.options_from_environment())
    parent = Run.get(ws, args.run_id)
    search = Search(ws, parent)
    _debug_log(search.settings)
    threading.Thread(target=_stop_on_cancel, args=(search,), daemon=True).start()
    search.run()
    search.close()
    # Everything is written: the recorder has ended each iteration's run and flushed the
    # parent. Tearing down FLAML, LightGBM, XGBoost and scikit-learn takes a third of a
    # second that every search would wait for; the process ends at once instead.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

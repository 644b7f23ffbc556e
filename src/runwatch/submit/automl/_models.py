"""Azure ML's AutoML model names and the engine's (FLAML's) estimators behind them."""

from __future__ import annotations

import importlib.util
from typing import Any

from runwatch.core._automl import CLASSIFICATION, REGRESSION

#: Azure model name -> FLAML estimator, per task: the models this machine can search.
MODELS: dict[str, dict[str, str]] = {
    CLASSIFICATION: {
        "LightGBM": "lgbm",
        "RandomForest": "rf",
        "ExtremeRandomTrees": "extra_tree",
        "XGBoostClassifier": "xgboost",
        "LogisticRegression": "lrl1",
        "GradientBoosting": "histgb",
        "KNN": "kneighbor",
        "SGD": "sgd",
        "LinearSVM": "svc",
    },
    REGRESSION: {
        "LightGBM": "lgbm",
        "RandomForest": "rf",
        "ExtremeRandomTrees": "extra_tree",
        "XGBoostRegressor": "xgboost",
        "ElasticNet": "enet",
        "LassoLars": "lassolars",
        "GradientBoosting": "histgb",
        "KNN": "kneighbor",
        "SGD": "sgd",
    },
}

#: Azure's names of models it offers that no engine estimator stands for here.
UNAVAILABLE = frozenset(
    {
        "MultinomialNaiveBayes",
        "BernoulliNaiveBayes",
        "SVM",
        "DecisionTree",
        "TensorFlowDNN",
        "TensorFlowLinearClassifier",
        "TensorFlowDNNRegressor",
        "TensorFlowLinearRegressor",
        "AveragedPerceptronClassifier",
        "TabnetClassifier",
        "TabnetRegressor",
        "FastLinearRegressor",
        "OnlineGradientDescentRegressor",
    }
)

#: Searched when neither allowed_models nor blocked_models says otherwise.
DEFAULT_MODELS = {
    CLASSIFICATION: (
        "LightGBM",
        "RandomForest",
        "ExtremeRandomTrees",
        "XGBoostClassifier",
        "LogisticRegression",
    ),
    REGRESSION: (
        "LightGBM",
        "RandomForest",
        "ExtremeRandomTrees",
        "XGBoostRegressor",
        "ElasticNet",
    ),
}

_NEEDS = {"xgboost": "xgboost", "lgbm": "lightgbm"}


def installed(estimator: str) -> bool:
    """True if the library an estimator needs is importable."""
    module = _NEEDS.get(estimator)
    return module is None or importlib.util.find_spec(module) is not None


def azure_name(task: str, estimator: str) -> str:
    """The Azure model name of an engine estimator (the estimator's own if none)."""
    for name, engine in MODELS[task].items():
        if engine == estimator:
            return name
    return estimator


#: Azure's stack ensemble meta-learners per task (`stack_meta_learner_type`).
META_LEARNERS: dict[str, tuple[str, ...]] = {
    CLASSIFICATION: ("LogisticRegression", "LogisticRegressionCV", "LightGBMClassifier"),
    REGRESSION: ("ElasticNet", "ElasticNetCV", "LightGBMRegressor", "LinearRegression"),
}


def default_meta_learner(task: str, cross_validated: bool) -> str:
    """Azure's default: logistic regression or elastic net, cross-validated when the
    search cross-validates."""
    name = "LogisticRegression" if task == CLASSIFICATION else "ElasticNet"
    return name + "CV" if cross_validated else name


def meta_learner(name: str, seed: int | None) -> Any:
    """A new scikit-learn (or LightGBM) estimator for a meta-learner's Azure name."""
    if name.startswith("LightGBM"):
        import lightgbm

        model = lightgbm.LGBMClassifier if name == "LightGBMClassifier" else lightgbm.LGBMRegressor
        return model(n_estimators=50, random_state=seed, verbose=-1)
    from sklearn import linear_model

    if name == "LogisticRegression":
        return linear_model.LogisticRegression(max_iter=1000)
    if name == "LogisticRegressionCV":
        return linear_model.LogisticRegressionCV(cv=3, max_iter=1000)
    if name == "ElasticNet":
        return linear_model.ElasticNet(random_state=seed)
    if name == "ElasticNetCV":
        return linear_model.ElasticNetCV(cv=3, random_state=seed)
    return linear_model.LinearRegression()

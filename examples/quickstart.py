"""Quickstart: fit a Ridge regression on scikit-learn's diabetes data for a range
of alphas, logging each fit to runwatch, then print what was stored.

Run from the repository root:  python examples/quickstart.py
The data lands in the default local workspace, ./.runwatch/ (SQLite + files).
"""

from __future__ import annotations

import sys
from pathlib import Path

import joblib
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

import runwatch
from runwatch import Experiment, Run, Workspace

sys.path.insert(0, str(Path(__file__).parent))
from mylib import get_alphas


def main() -> Run:
    ws = Workspace.from_config()
    experiment = Experiment(ws, "diabetes-ridge")
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

    with experiment.start_logging(display_name="ridge over alphas") as run:
        run.log("dataset", "diabetes")
        run.log("train rows", len(X_train))
        run.log_list("alphas", get_alphas())
        best = (float("inf"), 0.0)
        for alpha in get_alphas():
            model = Ridge(alpha=alpha).fit(X_train, y_train)
            mse = float(mean_squared_error(y_test, model.predict(X_test)))
            run.log("mse", mse)
            run.log_row("mse by alpha", alpha=alpha, mse=mse)
            best = min(best, (mse, alpha))
        run.log("best alpha", best[1])
        run.tag("model", "ridge")
        Path("outputs").mkdir(exist_ok=True)
        joblib.dump(Ridge(alpha=best[1]).fit(X_train, y_train), "outputs/model.pkl")
    return run


if __name__ == "__main__":
    run = main()
    stored = Run.get(Workspace.from_config(), run.id)
    print(f"run {stored.id} ({stored.get_status()}) in {stored.workspace.store_url}")
    metrics = stored.get_metrics()
    for name, value in metrics.items():
        print(f"  {name}: {value}")
    print(f"  files: {stored.get_file_names()}")
    print(f"runwatch {runwatch.__version__}: best alpha {metrics['best alpha']}")

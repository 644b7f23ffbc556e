"""A sweep trial for the runwatch demo: ridge regression with --alpha, in numpy.

The data is a seeded synthetic regression problem (442 rows, 10 features, the
size of the classic diabetes set), so the demo needs nothing beyond what a
plain `pip install runwatch` brings. Each epoch fits on a larger share of the
training rows, logs the test MSE and waits a moment, so the sweep is still
running while someone looks at it.
"""

import argparse
import time

import numpy as np

from runwatch import Run

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, required=True)
parser.add_argument("--epochs", type=int, default=15)
parser.add_argument("--pause", type=float, default=3.0)
args = parser.parse_args()

rng = np.random.default_rng(0)
X = rng.normal(size=(442, 10))
weights = rng.normal(scale=20.0, size=10)
y = X @ weights + 150.0 + rng.normal(scale=55.0, size=len(X))
X_train, X_test, y_train, y_test = X[:354], X[354:], y[:354], y[354:]

run = Run.get_context()
for epoch in range(1, args.epochs + 1):
    rows = max(12, len(X_train) * epoch // args.epochs)
    Xb = np.hstack([X_train[:rows], np.ones((rows, 1))])  # a bias column, not penalised
    penalty = 0.1 * args.alpha * rows * np.eye(Xb.shape[1])
    penalty[-1, -1] = 0.0
    coef = np.linalg.solve(Xb.T @ Xb + penalty, Xb.T @ y_train[:rows])
    predicted = np.hstack([X_test, np.ones((len(X_test), 1))]) @ coef
    mse = float(np.mean((y_test - predicted) ** 2))
    run.log("mse", mse)
    print(f"alpha {args.alpha:.2f} epoch {epoch}: {rows} rows, mse {mse:.1f}", flush=True)
    time.sleep(args.pause)

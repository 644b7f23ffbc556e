"""A sweep trial for the runwatch demo: Ridge with --alpha on the diabetes data.

Each epoch trains on a larger share of the rows, logs the test MSE and waits a
moment, so the sweep is still running when JupyterLab opens.
"""

import argparse
import time

from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

from runwatch import Run

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, required=True)
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--pause", type=float, default=2.0)
args = parser.parse_args()

run = Run.get_context()
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
for epoch in range(1, args.epochs + 1):
    rows = len(X_train) * epoch // args.epochs
    model = Ridge(alpha=args.alpha).fit(X_train[:rows], y_train[:rows])
    mse = mean_squared_error(y_test, model.predict(X_test))
    run.log("mse", mse)
    print(f"alpha {args.alpha:.2f} epoch {epoch}: {rows} rows, mse {mse:.1f}", flush=True)
    time.sleep(args.pause)

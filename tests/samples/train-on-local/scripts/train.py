import os

import joblib
import numpy as np
from azureml.core.run import Run
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

import mylib

os.makedirs('./outputs', exist_ok=True)
X, y = load_diabetes(return_X_y=True)
run = Run.get_context()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

for alpha in mylib.get_alphas():
    model = Ridge(alpha=alpha).fit(X_train, y_train)
    mse = mean_squared_error(model.predict(X_test), y_test)
    run.log('alpha', alpha)
    run.log('mse', mse)
    joblib.dump(value=model, filename=os.path.join('./outputs/', 'ridge_{0:.2f}.pkl'.format(alpha)))
    print('alpha is {0:.2f}, and mse is {1:0.2f}'.format(alpha, mse))

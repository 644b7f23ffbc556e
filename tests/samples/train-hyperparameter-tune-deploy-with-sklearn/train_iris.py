import argparse
import os

import joblib
from azureml.core.run import Run
from sklearn import datasets
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

run = Run.get_context()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--kernel', type=str, default='linear', help='the SVM kernel')
    parser.add_argument('--penalty', type=float, default=1.0, help='C, the penalty of the error term')
    args = parser.parse_args()
    run.log('Kernel type', str(args.kernel))
    run.log('Penalty', float(args.penalty))

    iris = datasets.load_iris()
    X_train, X_test, y_train, y_test = train_test_split(iris.data, iris.target, random_state=0)
    model = SVC(kernel=args.kernel, C=args.penalty).fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    print('Accuracy of SVM classifier on test set: {:.2f}'.format(accuracy))
    run.log('Accuracy', float(accuracy))
    print(confusion_matrix(y_test, model.predict(X_test)))

    os.makedirs('outputs', exist_ok=True)  # the outputs folder is uploaded with the run
    joblib.dump(model, 'outputs/model.joblib')


if __name__ == '__main__':
    main()

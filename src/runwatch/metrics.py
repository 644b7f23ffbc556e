"""Model-evaluation documents built from predictions, ready for `run.log_confusion_matrix`,
`run.log_accuracy_table`, `run.log_residuals` and `run.log_predictions`.

    from runwatch import metrics
    run.log_confusion_matrix("confusion", metrics.confusion_matrix(y_test, model.predict(X)))
    run.log_accuracy_table(
        "accuracy", metrics.accuracy_table(y_test, model.predict_proba(X), model.classes_)
    )

scikit-learn does the computing (`pip install scikit-learn`).
"""

from runwatch.core._evaluation_build import (
    accuracy_table,
    confusion_matrix,
    predictions,
    residuals,
)

__all__ = ["accuracy_table", "confusion_matrix", "predictions", "residuals"]

"""The live Jupyter views: `RunDetails(run).show()` and `ExperimentDetails(experiment).show()`.

They load ipywidgets, anywidget, bqplot and the built frontend on first
use; `import runwatch` loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runwatch.widgets._details import RunDetails
    from runwatch.widgets._experiment_details import ExperimentDetails

__all__ = ["ExperimentDetails", "RunDetails"]


def __getattr__(name: str) -> object:
    if name == "RunDetails":
        from runwatch.widgets._details import RunDetails

        return RunDetails
    if name == "ExperimentDetails":
        from runwatch.widgets._experiment_details import ExperimentDetails

        return ExperimentDetails
    raise AttributeError(f"module 'runwatch.widgets' has no attribute {name!r}")

"""The live Jupyter views: `RunDetails(run).show()`.

`RunDetails` loads ipywidgets, anywidget, bqplot and the built frontend on
first use; `import runwatch` loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._details import RunDetails

__all__ = ["RunDetails"]


def __getattr__(name: str) -> object:
    if name == "RunDetails":
        from ._details import RunDetails

        return RunDetails
    raise AttributeError(f"module 'runwatch.widgets' has no attribute {name!r}")

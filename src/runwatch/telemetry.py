"""`azureml.telemetry`'s switch, kept so ported code runs: runwatch sends nothing anywhere.

>>> set_diagnostics_collection(send_diagnostics=True)
"""

from __future__ import annotations

from typing import Any


def set_diagnostics_collection(send_diagnostics: bool = True, **kwargs: Any) -> None:
    """Accepted and ignored: runwatch collects and sends no diagnostics."""


__all__ = ["set_diagnostics_collection"]

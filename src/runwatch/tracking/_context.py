"""`Run.get_context()`: the submitted run, or a real local run for plain scripts.

A submitted script finds its run through environment variables (the run id
and the workspace's URLs, or a workspace config file). Anywhere else, runwatch creates a run that
stores everything, in an experiment named after the script or notebook, and
ends it when the process exits (Completed, or Failed on an uncaught
exception): unlike Azure ML's offline run, nothing logged is thrown away.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from runwatch.core import _settings
from runwatch.errors import ConfigError, RunwatchError

if TYPE_CHECKING:
    from runwatch.tracking._run import Run

_context: Run | None = None
_lock = threading.Lock()


def context_run(allow_offline: bool) -> Run:
    global _context
    with _lock:
        if _context is not None and _context.id == (_settings.context_run_id() or _context.id):
            return _context
        _context = _submitted_run() or _offline_run(allow_offline)
        return _context


def _submitted_run() -> Run | None:
    from runwatch.artifacts._s3_options import options_from_environment
    from runwatch.tracking._run import Run
    from runwatch.tracking._workspace import Workspace

    run_id = _settings.context_run_id()
    if run_id is None:
        return None
    _flush_on_sigterm()
    urls = _settings.context_workspace()
    if urls is not None:
        name, store, artifacts = urls
        options = options_from_environment()
        return Run.get(Workspace(name, store, artifacts or None, artifacts_options=options), run_id)
    config = _settings.context_config()
    if config is None:
        raise ConfigError(
            f"{_settings.RUN_ID_ENV}={run_id} is set but neither {_settings.STORE_ENV} nor "
            f"{_settings.CONFIG_ENV} says which workspace it is in"
        )
    return Run.get(Workspace.from_config(config), run_id)


def _flush_on_sigterm() -> None:
    """Turn SIGTERM (a cancel) into SystemExit, so exit handlers flush what was logged.

    Python's default SIGTERM action ends the process at once, skipping them.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # the script handles SIGTERM itself

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _offline_run(allow_offline: bool) -> Run:
    from runwatch.tracking._experiment import Experiment
    from runwatch.tracking._run import Run
    from runwatch.tracking._workspace import Workspace

    if not allow_offline:
        raise RunwatchError(
            "Run.get_context(allow_offline=False) was called outside a submitted run"
        )
    workspace = Workspace.from_config()
    name = experiment_name_for_process()
    run = Run._start(Experiment(workspace, name), run_type="local")
    if not _settings.quiet():
        print(
            f"runwatch: not inside a submitted run; logging to run {run.id} "
            f"(experiment {name!r}, store {workspace.store_url})",
            file=sys.stderr,
        )
    return run


def experiment_name_for_process() -> str:
    """The script's or notebook's file name, made a valid experiment name."""
    source = os.environ.get("JPY_SESSION_NAME") or (sys.argv[0] if sys.argv else "")
    stem = Path(source).stem if source and source not in ("-c", "-") else ""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_.-")
    return cleaned[:255] or "interactive"

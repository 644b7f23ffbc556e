"""Helpers shared by the runwatch integration tests (no fixtures here; see conftest.py)."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import runwatch

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_worker.py"


def make_workspace(directory: os.PathLike[str] | str) -> runwatch.Workspace:
    """The workspace a user would create for a local store in ``directory``."""
    d = Path(directory)
    return runwatch.Workspace(
        name="t",
        store=f"sqlite:///{d}/runwatch.db",
        artifacts=f"{d}/artifacts",
    )


# --------------------------------------------------------------------------- subprocesses


def child_env() -> dict[str, str]:
    """Environment for child interpreters: same runwatch as this process."""
    # no RUNWATCH_* settings leak in from the caller's shell (run id, flush interval, ...)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNWATCH_")}
    pkg_parent = str(Path(runwatch.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def start_worker(
    args: Sequence[Any], *, cwd: os.PathLike[str] | str, stdout: Any, stderr: Any, **popen: Any
) -> subprocess.Popen[Any]:
    """Start ``_worker.py`` (a plain user script) in a fresh OS process."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), *map(str, args)],
        stdout=stdout,
        stderr=stderr,
        env=child_env(),
        cwd=str(cwd),
        **popen,
    )


def stop(proc: subprocess.Popen[Any]) -> None:
    """Make sure a worker we started is gone (by its own PID only)."""
    if proc.poll() is None:
        proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


# --------------------------------------------------------------------------- comparisons


def _short(value: Any, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit // 2] + " ... " + text[-limit // 2 :]


def _equal(expected: Any, got: Any) -> bool:
    try:
        assert_same(expected, got)
    except AssertionError:
        return False
    return True


def assert_same(expected: Any, got: Any, path: str = "") -> None:
    """Strict structural equality.

    * types must match exactly (``1`` is not ``1.0``, ``True`` is not ``1``),
    * NaN equals NaN, and ``-0.0`` is not ``0.0``,
    * dicts compare by key set, lists by length and order.
    """
    where = path or "<root>"
    if isinstance(expected, dict):
        assert isinstance(got, dict), (
            f"{where}: expected a dict, got {type(got).__name__}: {_short(got)}"
        )
        assert set(got) == set(expected), (
            f"{where}: keys differ: missing {sorted(map(repr, set(expected) - set(got)))}, "
            f"unexpected {sorted(map(repr, set(got) - set(expected)))}"
        )
        for k in expected:
            assert_same(expected[k], got[k], f"{path}[{k!r}]")
        return
    if isinstance(expected, list):
        assert isinstance(got, list), (
            f"{where}: expected a list, got {type(got).__name__}: {_short(got)}"
        )
        if len(got) != len(expected):
            first = next(
                (
                    i
                    for i, (e, g) in enumerate(zip(expected, got, strict=False))
                    if not _equal(e, g)
                ),
                min(len(got), len(expected)),
            )
            raise AssertionError(
                f"{where}: expected {len(expected)} items, got {len(got)}; first difference "
                f"at index {first}: got {_short(got[first : first + 5], 200)}, "
                f"expected {_short(expected[first : first + 5], 200)}"
            )
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            assert_same(e, g, f"{path}[{i}]")
        return
    assert type(got) is type(expected), (
        f"{where}: expected {type(expected).__name__} {expected!r}, "
        f"got {type(got).__name__} {_short(got)}"
    )
    if isinstance(expected, float):
        if math.isnan(expected):
            assert math.isnan(got), f"{where}: expected nan, got {got!r}"
        else:
            assert got == expected and math.copysign(1.0, got) == math.copysign(1.0, expected), (
                f"{where}: expected {expected!r}, got {got!r}"
            )
        return
    assert got == expected, f"{where}: expected {expected!r}, got {got!r}"

"""Let a Jupyter server started from Python find runwatch's JupyterLab extension.

A wheel installs the built extension into `<prefix>/share/jupyter/labextensions/`;
an editable install copies it there once, when pip runs, so a later `npm run build`
leaves that copy stale until `jupyter labextension develop --overwrite .`. The
servers runwatch starts itself (`runwatch demo`, the browser tests) instead put a
data folder first on JUPYTER_PATH whose `labextensions/runwatch` links to the
extension inside this package, and enable the server extension on the command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

LABEXTENSION = Path(__file__).resolve().parents[1] / "labextension"  # runwatch/labextension
SERVER_EXTENSION_ARG = "--ServerApp.jpserver_extensions=runwatch=True"


def lab_environment(data_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with `data_dir` first on JUPYTER_PATH, serving this package's extension."""
    env = dict(environ)
    if not (LABEXTENSION / "package.json").is_file():
        return env  # not built (a source tree without npm): the installed copy, if any
    link = data_dir / "labextensions" / "runwatch"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.resolve() == LABEXTENSION:
            return _prepend(env, data_dir)
        link.unlink()
    link.symlink_to(LABEXTENSION, target_is_directory=True)
    return _prepend(env, data_dir)


def _prepend(env: dict[str, str], data_dir: Path) -> dict[str, str]:
    rest = env.get("JUPYTER_PATH", "")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(data_dir), rest) if p)
    return env

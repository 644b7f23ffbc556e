"""The frontend's TypeScript unit tests (vitest, `npm test`: formatting, axis ticks, chart
data, runs-table columns, the live refresh), run from pytest so one pytest command covers
them too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from _parts import require, unavailable

ROOT = Path(__file__).resolve().parents[3]


def test_npm_test_passes() -> None:
    require("node")
    if not (ROOT / "node_modules" / "vitest").is_dir():
        unavailable("node", "node_modules has no vitest: run npm install in the repository root")
    npm = shutil.which("npm")
    assert npm is not None
    result = subprocess.run(
        [npm, "test", "--silent", "--", "--reporter=dot"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, output[-4000:]
    assert " passed" in output and " failed" not in output, output[-4000:]

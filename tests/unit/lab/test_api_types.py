"""js/lab/api.generated.ts is what openapi-typescript writes from the committed openapi.json
(itself checked against its generator by tests/unit/server/test_openapi.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from _parts import require, unavailable

ROOT = Path(__file__).resolve().parents[3]
OPENAPI = "src/runwatch/server/openapi.json"
GENERATED = "js/lab/api.generated.ts"


def test_npm_generate_api_writes_the_types_from_openapi_json() -> None:
    scripts = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["scripts"]
    assert scripts["generate:api"] == f"openapi-typescript {OPENAPI} -o {GENERATED}"


def test_the_committed_typescript_types_are_current(tmp_path: Path) -> None:
    require("node")
    generator = ROOT / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        unavailable("node", "node_modules has no openapi-typescript: run npm install in the root")
    written = tmp_path / "api.generated.ts"
    result = subprocess.run(
        [str(generator), OPENAPI, "-o", str(written)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"[-4000:]
    committed = (ROOT / GENERATED).read_text(encoding="utf-8")
    assert written.read_text(encoding="utf-8") == committed, (
        f"{GENERATED} is not current: run npm run generate:api"
    )

"""`runwatch port PATH...`: scripts and notebooks, the copies written, the report printed.

A script is rewritten as a whole, a notebook code cell by code cell (outputs and metadata
untouched). IPython lines (`%magic`, `!shell`, `x = !ls`, `obj?`) are masked as `pass`
before parsing and restored after, so a cell with magics is still rewritten.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from runwatch.cli._port import Rewrite, port_source

SUFFIXES = (".py", ".ipynb")
_MAGIC = re.compile(r"^\s*([%!]|[\w.,\s]+=\s*[%!]|[\w.]+\?\??\s*$)")
_MARKER = "runwatch-port-masked-line-"
# Cell magics whose body is Python; any other (`%%bash`, `%%html`...) is left alone.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "writefile"}


@dataclass
class FileReport:
    """What `port` did to one file: counts, and each line it left as written and why."""

    path: Path
    imports: int = 0
    references: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, rewrite: Rewrite, cell: int | None) -> None:
        self.imports += rewrite.imports
        self.references += rewrite.references
        for item in rewrite.unmapped:
            self.problem(f"{item}", cell, item.line)

    def problem(self, text: str, cell: int | None, line: int | None = None) -> None:
        """`train.py:9: why` for a script, `nb.ipynb cell 3 line 2: why` for a notebook."""
        where = str(self.path) if cell is None else f"{self.path} cell {cell}"
        if line is not None:
            where += f":{line}" if cell is None else f" line {line}"
        self.problems.append(f"{where}: {text}")

    @property
    def changed(self) -> bool:
        return self.imports + self.references > 0


def _masked(code: str) -> tuple[str, dict[str, str]]:
    """The cell with each IPython line replaced by `pass`, and the lines to put back."""
    lines, saved = [], {}
    for number, line in enumerate(code.splitlines(keepends=True)):
        if _MAGIC.search(line):
            key = f"{_MARKER}{number}"
            saved[key] = line
            indent = line[: len(line) - len(line.lstrip())]
            ending = line[len(line.rstrip("\r\n")) :]
            line = f"{indent}pass  # {key}{ending}"
        lines.append(line)
    return "".join(lines), saved


def _unmasked(code: str, saved: dict[str, str]) -> str:
    lines = code.splitlines(keepends=True)
    for index, line in enumerate(lines):
        key = line.rsplit("# ", 1)[-1].rstrip("\r\n")
        if key in saved:
            lines[index] = saved[key]
    return "".join(lines)


def _port_cell(source: str, report: FileReport, cell: int) -> str:
    head, newline, body = source.partition("\n")
    if head.startswith("%%"):
        magic = head[2:].split(maxsplit=1)[0] if head[2:].strip() else ""
        if magic not in _PYTHON_CELL_MAGICS or (magic == "writefile" and ".py" not in head):
            if "azureml" in source:
                report.problem(f"not rewritten: a %%{magic} cell", cell)
            return source
        return head + newline + _port_cell(body, report, cell)
    masked, saved = _masked(source)
    try:
        rewrite = port_source(masked)
    except cst.ParserSyntaxError as error:
        if "azureml" in source:
            report.problem("not rewritten: not Python", cell, error.raw_line)
        return source
    report.add(rewrite, cell)
    return _unmasked(rewrite.code, saved)


def _port_notebook(text: str, report: FileReport) -> str:
    notebook: dict[str, Any] = json.loads(text)
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        joined = "".join(source) if isinstance(source, list) else source
        ported = _port_cell(joined, report, number)
        if ported != joined:
            cell["source"] = (
                ported.splitlines(keepends=True) if isinstance(source, list) else ported
            )
    if not report.changed:
        return text  # byte for byte
    # Written back in the notebook's own layout: its indent, its final newline.
    indent = re.match(r"\{\s*?\n( *)\S", text)
    ending = "\n" if text.endswith("\n") else ""
    return (
        json.dumps(notebook, indent=len(indent.group(1)) if indent else 1, ensure_ascii=False)
        + ending
    )


def port_file(path: Path) -> tuple[str, FileReport]:
    """The rewritten text of one script or notebook, and the report on it."""
    report = FileReport(path)
    text = path.read_bytes().decode("utf-8")
    if path.suffix == ".ipynb":
        try:
            return _port_notebook(text, report), report
        except json.JSONDecodeError as error:
            report.problem(f"not rewritten: not a notebook ({error})", None)
            return text, report
    try:
        rewrite = port_source(text)
    except cst.ParserSyntaxError as error:
        report.problem("not rewritten: not Python", None, error.raw_line)
        return text, report
    report.add(rewrite, None)
    return rewrite.code, report


def find_files(paths: list[Path], skip_suffix: str) -> Iterator[Path]:
    """The scripts and notebooks named or under the folders named, not earlier copies."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob("*")):
            hidden = any(
                part.startswith(".") or part == "__pycache__"
                for part in found.relative_to(path).parts
            )
            copy = bool(skip_suffix) and found.stem.endswith(skip_suffix)
            if found.suffix in SUFFIXES and found.is_file() and not hidden and not copy:
                yield found


def port_paths(paths: list[Path], suffix: str, in_place: bool, dry_run: bool) -> int:
    """Port every file, print a report; 0 when all mapped, 1 when some line did not."""
    for path in paths:
        if not path.exists() or (path.is_file() and path.suffix not in SUFFIXES):
            print(f"runwatch port: {path}: not a .py or .ipynb file or a folder", file=sys.stderr)
            return 2
    complete = True
    for path in find_files(paths, "" if in_place else suffix):
        code, report = port_file(path)
        target = path if in_place else path.with_name(f"{path.stem}{suffix}{path.suffix}")
        counts = f"{report.imports} imports, {report.references} references rewritten"
        if not report.changed:
            print(f"{path}: {counts}, not written")
        elif dry_run:
            print(f"{path}: {counts} (dry run: {target} not written)")
        else:
            target.write_bytes(code.encode("utf-8"))
            print(f"{path}: {counts} -> {target}")
        for problem in report.problems:
            print(f"  {problem}")
        complete = complete and not report.problems
    return 0 if complete else 1

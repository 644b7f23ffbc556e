"""`runwatch` on the command line: look at the workspace from a terminal.

runwatch demo [--dir DIR] [--no-lab]     a demo workspace with a live sweep, in JupyterLab
runwatch runs [EXPERIMENT] [--limit N]   recent runs, active ones first
runwatch show RUN_ID                     one run's details and metrics
runwatch copy --from WS --to WS          copy runs into another workspace (again: updates)
runwatch port PATH... [--in-place]       rewrite Azure ML SDK v1 imports (scripts, notebooks)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from runwatch.core._html import duration, timestamp
from runwatch.errors import RunwatchError
from runwatch.tracking._workspace import Workspace


def _runs(ws: Workspace, experiment: str | None, limit: int) -> None:
    names = [experiment] if experiment else [e.name for e in ws.store.list_experiments()]
    now = time.time()
    rows = [info for name in names for info in ws.store.list_runs(name)]
    rows.sort(key=lambda info: (info.is_final, -(info.start_time or info.created_time)))
    print(f"{'experiment':<24} {'#':>5} {'status':<14} {'started':<24} {'duration':>9}  id")
    for info in rows[:limit]:
        print(
            f"{info.experiment[:24]:<24} {info.number:>5} {info.status:<14} "
            f"{timestamp(info.start_time):<24} {duration(info.duration(now)):>9}  {info.id}"
        )


def _show(ws: Workspace, run_id: str) -> None:
    from runwatch.tracking._run import Run

    run = Run.get(ws, run_id)
    details = run.get_details()
    metrics = Run.get_metrics(run)  # the run's own metrics, a sweep's too
    details["metrics"] = {
        name: value if not isinstance(value, list) or len(value) <= 10 else f"{len(value)} values"
        for name, value in metrics.items()
    }
    print(json.dumps(details, indent=2, default=str))


def _copy(args: argparse.Namespace) -> None:
    from runwatch.tracking._copy_runs import copy_runs, open_workspace

    source = open_workspace(args.source, artifacts=args.from_artifacts, role="source")
    target = open_workspace(args.target, artifacts=args.to_artifacts, role="target")
    report = copy_runs(source, target, args.experiment, dry_run=args.dry_run)
    print(report.summary())


def _copy_parser(commands: Any) -> None:
    copy = commands.add_parser(
        "copy",
        help="copy runs into another workspace",
        description="Copy runs (metrics, files, children) from one workspace into another; "
        "again later, copy only what is new or changed. A workspace is a folder or config "
        "file, or a store URL (sqlite:///..., postgresql://...).",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="WORKSPACE")
    copy.add_argument("--to", dest="target", required=True, metavar="WORKSPACE")
    copy.add_argument("--experiment", action="append", help="only this one (repeatable)")
    copy.add_argument("--dry-run", action="store_true", help="say what would be copied")
    copy.add_argument("--from-artifacts", metavar="URL", help="the source's artifact root")
    copy.add_argument("--to-artifacts", metavar="URL", help="the target's artifact root")


def _port_parser(commands: Any) -> None:
    port = commands.add_parser(
        "port",
        help="rewrite Azure ML SDK v1 imports to runwatch",
        description="Rewrite azureml imports in scripts and notebooks (folders are walked) to "
        "their runwatch modules; lines with no runwatch counterpart stay as written and are "
        "listed. Exit code 1 when some line could not be mapped.",
    )
    port.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    where = port.add_mutually_exclusive_group()
    where.add_argument("--in-place", action="store_true", help="overwrite the files")
    where.add_argument(
        "--suffix", default="_runwatch", help="write train.py as train%(default)s.py (default)"
    )
    port.add_argument("--dry-run", action="store_true", help="report only, write nothing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runwatch", description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", help="a config file or folder (default: search from here)")
    commands = parser.add_subparsers(dest="command", required=True)
    runs = commands.add_parser("runs", help="list recent runs")
    runs.add_argument("experiment", nargs="?")
    runs.add_argument("--limit", type=int, default=30)
    show = commands.add_parser("show", help="show one run")
    show.add_argument("run_id")
    demo = commands.add_parser("demo", help="open JupyterLab on a demo with live runs")
    demo.add_argument("--dir", default="runwatch-demo", help="the demo folder (%(default)s)")
    demo.add_argument("--no-lab", action="store_true", help="prepare it, do not start JupyterLab")
    demo.add_argument("--port", type=int, default=None)
    demo.add_argument("lab_args", nargs=argparse.REMAINDER, help="after --: options for JupyterLab")
    _copy_parser(commands)
    _port_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "port":
        from runwatch.cli._port_files import port_paths

        return port_paths(args.paths, args.suffix, args.in_place, args.dry_run)
    if args.command == "demo":
        from runwatch.cli._demo import main as demo_main

        lab_args = [a for a in args.lab_args if a != "--"]
        return demo_main(Path(args.dir), not args.no_lab, args.port, lab_args)
    try:
        if args.command == "copy":
            _copy(args)
            return 0
        ws = Workspace.find_config(args.workspace)
        if ws is None:
            where = args.workspace or "this folder"
            print(
                f"runwatch: no workspace in {where} or its parents (no .runwatch/config.json); "
                "start one with Workspace.from_config() in Python, or pass --workspace",
                file=sys.stderr,
            )
            return 1
        if args.command == "runs":
            _runs(ws, args.experiment, args.limit)
        else:
            _show(ws, args.run_id)
    except RunwatchError as error:
        print(f"runwatch: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("runwatch: interrupted; run the command again to finish", file=sys.stderr)
        return 130
    return 0

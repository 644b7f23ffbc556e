"""TensorBoard for runwatch runs: metrics exported as event files, and a TensorBoard to view them.

`export_to_tensorboard(run_data, logsdir)` writes one TensorBoard run folder per
runwatch run, `<logsdir>/<run id>/`, holding one event file
(`events.out.tfevents.<time>.<host>.runwatch`; a new export replaces the old
one). What goes in it:

- scalar series (`run.log`) and lists (`run.log_list`): one scalar per point,
  tagged with the metric name, at its logged step and logging time, in logged
  order; bools as 0/1; values as 32-bit floats, as TensorBoard keeps scalars;
- rows and tables (`run.log_row`, `run.log_table`): one scalar series per numeric
  column, tagged `<metric>/<column>`, the row index as step;
- images (`run.log_image`): one image per point, tagged with the metric name.

Text values cannot be plotted: they are skipped, with a note to the logger.
None values are skipped silently. TensorBoard drops the points of a tag whose
step goes back below an earlier one, so a series logged with decreasing
explicit steps shows only its last stretch there.

Event files are written a whole run at a time: the points are read in one query
per run, encoded with tensorboardX's protocol buffers and framed by its record
writer (its checksums run natively with the `crc32c` package of the
`tensorboard` extra), so a 100,000-point metric exports in about half a second.

`Tensorboard(runs, local_root, port)` serves `local_root` with the TensorBoard of
this interpreter (`python -m tensorboard.main`) on 127.0.0.1; given runs, it
first exports their metrics into `local_root/<run id>/` and copies the event
files each run uploaded under `logs/` there too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from runwatch.artifacts._logs import LOG_PREFIX
from runwatch.artifacts._store import FILES, image_location
from runwatch.core._records import MetricInfo, MetricKind, MetricPoints
from runwatch.core._values import short_repr
from runwatch.errors import ConfigError, RunwatchError, ValidationError
from runwatch.tracking._experiment import Experiment
from runwatch.tracking._run import Run

_logger = logging.getLogger(__name__)

_INSTALL = "pip install 'runwatch[tensorboard]'"
#: Ends the names of the event files an export writes (and replaces).
_SUFFIX = ".runwatch"
#: Seconds `Tensorboard.start` waits for TensorBoard to answer HTTP.
START_TIMEOUT = 60.0
#: Seconds `Tensorboard.stop` waits after SIGTERM before it kills the process.
STOP_GRACE = 5.0


def _tensorboardx(what: str) -> tuple[Any, Any]:
    """tensorboardX's Event and Summary messages, or a ConfigError saying how to get them."""
    try:
        # The package first: a missing one must fail here, not on a cached submodule.
        import tensorboardX  # type: ignore[import-untyped]  # noqa: F401
        from tensorboardX.proto.event_pb2 import Event  # type: ignore[import-untyped]
        from tensorboardX.proto.summary_pb2 import Summary  # type: ignore[import-untyped]
    except ImportError as error:
        raise ConfigError(
            f"{what} writes TensorBoard event files with tensorboardX, which is not installed "
            f"({error}); install it with: {_INSTALL}"
        ) from None
    return Event, Summary


# --- export --------------------------------------------------------------------------


def export_to_tensorboard(
    run_data: Run | Experiment | Sequence[Run],
    logsdir: str | os.PathLike[str],
    logger: logging.Logger | None = None,
    recursive: bool = True,
) -> None:
    """Write the metrics of runs as TensorBoard event files, one folder per run.

    `run_data` is a run, a list of runs, or an experiment (all its top-level
    runs); with `recursive`, every run below them is exported too. Each run goes
    to `<logsdir>/<run id>/` (see the module docstring for what is written; a run
    with nothing to plot gets no folder); `logsdir` is created if missing. Notes
    on skipped metrics go to `logger`.
    """
    where = "export_to_tensorboard"
    runs = _runs_to_export(run_data, recursive)
    folder = _folder(logsdir, f"{where}: logsdir")
    messages = _tensorboardx(where)
    log = logger if logger is not None else _logger
    folder.mkdir(parents=True, exist_ok=True)
    for run in runs:
        _export_run(run, folder / run.id, log, messages)


def _runs_to_export(run_data: object, recursive: object) -> list[Run]:
    where = "export_to_tensorboard"
    if not isinstance(recursive, bool):
        raise ValidationError(f"{where}: recursive={short_repr(recursive)} must be True or False")
    if isinstance(run_data, Experiment):
        runs = list(run_data.get_runs())
    elif isinstance(run_data, Run):
        runs = [run_data]
    elif isinstance(run_data, (list, tuple)):
        if not run_data:
            raise ValidationError(f"{where}: run_data is an empty list; expected at least one run")
        for i, run in enumerate(run_data):
            if not isinstance(run, Run):
                raise ValidationError(
                    f"{where}: run_data[{i}] is {short_repr(run)} of type "
                    f"{type(run).__name__}; expected a runwatch Run"
                )
        runs = list(run_data)
    else:
        raise ValidationError(
            f"{where}: run_data {short_repr(run_data)} of type {type(run_data).__name__} is "
            "not a runwatch Run, a list of runs or an Experiment"
        )
    for run in runs:
        run.flush()  # what this process logged but has not written yet
    if recursive:
        runs += [child for run in runs for child in run.get_children(recursive=True)]
    unique: dict[str, Run] = {}
    for run in runs:  # a run listed twice, or also below another, is exported once
        unique.setdefault(run.id, run)
    return list(unique.values())


def _folder(path: object, what: str) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ValidationError(f"{what} {short_repr(path)} must be a folder path (str or Path)")
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"{what} {str(path)!r} exists and is not a folder")
    return folder


def _export_run(run: Run, folder: Path, log: logging.Logger, messages: tuple[Any, Any]) -> None:
    """Replace the run's exported event file in `folder` by one of its current metrics."""
    Event, Summary = messages
    events: list[bytes] = []
    stored = run.workspace.store.read_metrics(run.id, with_steps=True)
    for name, (info, points) in stored.items():
        if info.kind in (MetricKind.SCALAR, MetricKind.LIST):
            events += _series_events(run, name, info, points, log, Event, Summary)
        elif info.kind in (MetricKind.ROW, MetricKind.TABLE):
            events += _table_events(run, name, info, points, log, Event, Summary)
        elif info.kind == MetricKind.IMAGE:
            events += _image_events(run, name, points, Event, Summary)
    for old in folder.glob(f"events.out.tfevents.*{_SUFFIX}"):
        old.unlink()
    if not events:
        return
    first = Event(wall_time=run.info.created_time, file_version="brain.Event:2")
    folder.mkdir(parents=True, exist_ok=True)
    name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}{_SUFFIX}"
    # tensorboardX frames the records (its checksums are native with the crc32c package).
    from tensorboardX.record_writer import RecordWriter  # type: ignore[import-untyped]

    writer = RecordWriter(str(folder / name))
    try:
        writer.write(first.SerializeToString())
        for event in events:
            writer.write(event)
    finally:
        writer.close()


def _is_number(value: object) -> bool:
    return type(value) in (int, float, bool)


def _skipped(log: logging.Logger, run: Run, tag: str, count: int) -> None:
    log.info(
        "export_to_tensorboard: run %s, %r: skipped %d text value(s); TensorBoard plots numbers",
        run.id,
        tag,
        count,
    )


def _scalars(
    tag: str, steps: Iterable[int], values: Iterable[Any], times: Iterable[float], E: Any, S: Any
) -> list[bytes]:
    return [
        E(
            wall_time=when,
            step=step,
            summary=S(value=[S.Value(tag=tag, simple_value=float(value))]),
        ).SerializeToString()
        for step, value, when in zip(steps, values, times, strict=True)
        if _is_number(value)
    ]


def _series_events(
    run: Run,
    name: str,
    info: MetricInfo,
    points: MetricPoints,
    log: logging.Logger,
    E: Any,
    S: Any,
) -> list[bytes]:
    text = sum(1 for value in points.values if isinstance(value, str))
    if text:
        _skipped(log, run, name, text)
    steps = points.steps
    if info.kind == MetricKind.LIST:  # a list's points are its positions
        steps = list(range(len(points)))
    return _scalars(name, steps, points.values, points.times, E, S)


def _table_events(
    run: Run,
    name: str,
    info: MetricInfo,
    points: MetricPoints,
    log: logging.Logger,
    E: Any,
    S: Any,
) -> list[bytes]:
    rows: list[dict[str, Any]] = []
    times: list[float] = []
    for value, when in zip(points.values, points.times, strict=True):
        if info.kind == MetricKind.ROW:
            new = [value]
        else:  # a table: {column: [cells]} of equal length
            new = [
                dict(zip(value, cells, strict=True)) for cells in zip(*value.values(), strict=True)
            ]
        rows += new
        times += [when] * len(new)
    columns = dict.fromkeys(column for row in rows for column in row)
    events: list[bytes] = []
    for column in columns:
        cells = [row.get(column) for row in rows]
        tag = f"{name}/{column}"
        text = sum(1 for cell in cells if isinstance(cell, str))
        if text:
            _skipped(log, run, tag, text)
        events += _scalars(tag, range(len(rows)), cells, times, E, S)
    return events


def _image_events(run: Run, name: str, points: MetricPoints, E: Any, S: Any) -> list[bytes]:
    artifacts = run.workspace.artifacts
    events = []
    for step, path, when in zip(points.steps, points.values, points.times, strict=True):
        with artifacts.open(run.id, *image_location(path)) as stream:
            data = stream.read()
        width, height, channels = _image_size(data)
        image = S.Image(height=height, width=width, colorspace=channels, encoded_image_string=data)
        summary = S(value=[S.Value(tag=name, image=image)])
        events.append(E(wall_time=when, step=step, summary=summary).SerializeToString())
    return events


def _image_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, channels) of a PNG or JPEG; zeros where the header does not say."""
    if data.startswith(b"\x89PNG") and len(data) >= 26:
        width, height = struct.unpack(">II", data[16:24])
        channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(data[25], 0)
        return width, height, channels
    position = 2  # a JPEG: walk the segments to the frame header (SOF0..SOF15)
    while position + 9 < len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height, data[position + 9]
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return 0, 0, 0


# --- serving ---------------------------------------------------------------------------


class Tensorboard:
    """A TensorBoard on 127.0.0.1 showing `local_root`, filled first from `runs`.

    `start()` exports each run's metrics to `local_root/<run id>/` (with
    `use_display_name`, `local_root/<display name>/<run id>/`), copies the event
    files the run uploaded under `logs/` beside them (children are not
    included: pass them too), starts TensorBoard and returns its URL once it
    answers. `stop()` ends that process. `local_root` defaults to a new
    temporary folder. Also a context manager: `with Tensorboard(...) as tb:`
    starts it and stops it on exit.
    """

    def __init__(
        self,
        runs: Sequence[Run] | Run,
        local_root: str | os.PathLike[str] | None = None,
        port: int = 6006,
        use_display_name: bool = False,
    ) -> None:
        where = "Tensorboard"
        if isinstance(runs, Run):
            runs = [runs]
        if not isinstance(runs, (list, tuple)):
            raise ValidationError(
                f"{where}: runs {short_repr(runs)} of type {type(runs).__name__} must be a "
                "list of runwatch Runs (possibly empty)"
            )
        for i, run in enumerate(runs):
            if not isinstance(run, Run):
                raise ValidationError(
                    f"{where}: runs[{i}] is {short_repr(run)} of type {type(run).__name__}; "
                    "expected a runwatch Run"
                )
        if type(port) is not int or not 1 <= port <= 65535:
            raise ValidationError(f"{where}: port {short_repr(port)} must be an int in 1..65535")
        if local_root is None:
            local_root = tempfile.mkdtemp(prefix="runwatch-tensorboard-")
        self._runs = list(runs)
        self._local_root = _folder(local_root, f"{where}: local_root")
        self._port = port
        self._use_display_name = bool(use_display_name)
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._url: str | None = None

    @property
    def local_root(self) -> Path:
        """The folder TensorBoard shows."""
        return self._local_root

    @property
    def url(self) -> str | None:
        """The URL of the running TensorBoard; None when it is not running."""
        running = self._process is not None and self._process.poll() is None
        return self._url if running else None

    def start(self, start_browser: bool = False) -> str:
        """Fill `local_root` from the runs, start TensorBoard, and return its URL.

        Raises `ValidationError` if the port is taken, `ConfigError` if
        TensorBoard is not installed, `RunwatchError` with TensorBoard's output
        if it exits or does not answer within `START_TIMEOUT` seconds. Calling
        it again while running returns the same URL.
        """
        if self.url is not None:
            return self.url
        self.stop()  # a TensorBoard that ended by itself: release what is left of it
        _require_tensorboard()
        _check_port_free(self._port)
        self._local_root.mkdir(parents=True, exist_ok=True)
        if self._runs:
            messages = _tensorboardx("Tensorboard.start")
            for run in self._runs:
                run.flush()
                folder = self._local_root / self._folder_name(run)
                _export_run(run, folder, _logger, messages)
                _copy_event_files(run, folder)
        output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _end
        command = [
            sys.executable or "python",
            "-m",
            "tensorboard.main",
            "--logdir",
            str(self._local_root),
            "--port",
            str(self._port),
            "--host",
            "127.0.0.1",
            # The Python loader: one process to stop (the fast loader starts a second).
            "--load_fast=false",
        ]
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
        self._process = process
        self._finalizer = weakref.finalize(self, _end, process, output)
        url = f"http://127.0.0.1:{self._port}/"
        try:
            _wait_until_serving(process, url, output, self._port)
        except BaseException:
            self.stop()
            raise
        self._url = url
        if start_browser:
            import webbrowser

            webbrowser.open(url)
        return url

    def stop(self) -> None:
        """End the TensorBoard process this object started (SIGTERM, then SIGKILL)."""
        finalizer, self._finalizer = self._finalizer, None
        self._process = None
        self._url = None
        if finalizer is not None:
            finalizer()

    def _folder_name(self, run: Run) -> str:
        if self._use_display_name and run.display_name:
            safe = "".join("_" if c in '/\\:*?"<>|' else c for c in run.display_name)
            return f"{safe}/{run.id}"
        return run.id

    def __enter__(self) -> Tensorboard:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running at {self.url}" if self.url else "stopped"
        return f"Tensorboard(local_root={str(self._local_root)!r}, port={self._port}, {state})"


def _require_tensorboard() -> None:
    try:
        import tensorboard  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as error:
        raise ConfigError(
            f"Tensorboard.start runs TensorBoard, which is not installed ({error}); install it "
            f"with: {_INSTALL}"
        ) from None


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise ValidationError(
                f"Tensorboard: port {port} of 127.0.0.1 cannot be listened on: {error.strerror} "
                "(another program may be using it); pass another port=, or stop what listens there"
            ) from None


def _copy_event_files(run: Run, folder: Path) -> None:
    """Copy the run's uploaded event files, `logs/<path>` to `folder/<path>`."""
    artifacts = run.workspace.artifacts
    for name in run.get_file_names():
        if name.startswith(LOG_PREFIX) and "tfevents" in name.rsplit("/", 1)[-1]:
            target = folder.joinpath(*name[len(LOG_PREFIX) :].split("/"))
            artifacts.get(run.id, FILES, name, target)


def _output(output: IO[bytes]) -> str:
    output.flush()
    output.seek(0)
    text = output.read().decode("utf-8", errors="replace").strip()
    return text[-4000:] or "(no output)"


def _wait_until_serving(
    process: subprocess.Popen[bytes], url: str, output: IO[bytes], port: int
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        code = process.poll()
        if code is not None:
            raise RunwatchError(
                f"TensorBoard exited with code {code} before serving on port {port}; "
                f"its output:\n{_output(output)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                pass
        except urllib.error.HTTPError:
            pass  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise RunwatchError(
                    f"TensorBoard did not answer at {url} within {START_TIMEOUT:g} seconds; "
                    f"its output:\n{_output(output)}"
                ) from None
            time.sleep(0.2)
            continue
        if process.poll() is None:
            return


def _end(process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
    """Stop `process` (SIGTERM, SIGKILL after `STOP_GRACE` seconds) and close its output."""
    try:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        with contextlib.suppress(OSError):
            output.close()

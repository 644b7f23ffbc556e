"""Starting the workspace's local agent: the submitting side of the agent's lock.

`ensure_running(workspace)` starts the agent (`runwatch.agent._agent`, a detached
process in its own session) unless one already holds the workspace's agent
lock, a file beside a SQLite database or in the user's cache. The agent writes
its pid into the lock file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from runwatch.artifacts import _s3_options as _remote
from runwatch.core import _settings
from runwatch.tracking._workspace import Workspace


def lock_path(workspace: Workspace) -> Path:
    """The agent's lock file: next to a SQLite database, else in the user's cache."""
    if workspace.store_url.startswith("sqlite:///"):
        from runwatch.store._sqlite import path_from_url

        db = path_from_url(workspace.store_url)
        return db.with_name(db.name + ".agent.lock")
    digest = hashlib.sha256(workspace.store_url.encode()).hexdigest()[:16]
    return Path.home() / ".cache" / "runwatch" / "agents" / f"{digest}.lock"


def try_lock(path: Path) -> int | None:
    """An fd holding the exclusive lock on `path`, or None if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


_started: list[subprocess.Popen[bytes]] = []


def ensure_running(workspace: Workspace) -> None:
    """Start the workspace's agent unless it is running."""
    _started[:] = [p for p in _started if p.poll() is None]  # reap agents that exited
    path = lock_path(workspace)
    fd = try_lock(path)
    if fd is None:
        return  # an agent holds the lock and will pick up the queued run
    os.close(fd)  # closing releases the lock for the agent we start now
    log = open(path.with_suffix(".log"), "ab")  # noqa: SIM115 - handed to the child
    env = _remote.environment_entry(workspace.artifacts_options, dict(os.environ))
    env[_settings.PROCESS_TAG_ENV] = ""  # the agent belongs to no run, even if a script starts it
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runwatch.agent._agent",
            "--name",
            workspace.name,
            "--store",
            workspace.store_url,
            "--artifacts",
            workspace.artifacts_url,
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=path.parent,
        start_new_session=True,
        close_fds=True,
    )
    _started.append(process)
    log.close()

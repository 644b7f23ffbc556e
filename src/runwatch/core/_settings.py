"""Settings from the environment, read each time they are used (never at import)."""

from __future__ import annotations

import os

#: How often the background writer flushes buffered metrics, in seconds.
FLUSH_INTERVAL_ENV = "RUNWATCH_FLUSH_INTERVAL"
#: How long a writer waits for the store's write lock before giving up, in seconds.
BUSY_TIMEOUT_ENV = "RUNWATCH_BUSY_TIMEOUT"
#: Set in a submitted script's environment: the id of the run it belongs to.
RUN_ID_ENV = "RUNWATCH_RUN_ID"
#: Set in a submitted script's environment: the workspace config file of that run.
CONFIG_ENV = "RUNWATCH_CONFIG"
#: Silences the line that says which workspace was chosen when no config was found.
QUIET_ENV = "RUNWATCH_QUIET"
#: Set for a submitted script and inherited by what it starts: `<agent token>/<run id>`,
#: so the agent finds every process of the run (`_processes`); empty for the agent itself.
PROCESS_TAG_ENV = "RUNWATCH_PROCESS_TAG"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} is not a number") from None
    if value <= 0:
        raise ValueError(f"environment variable {name}={raw!r} must be greater than 0")
    return value


def flush_interval() -> float:
    """Seconds between background flushes; at most 1 s unless set otherwise."""
    return _float(FLUSH_INTERVAL_ENV, 0.5)


def busy_timeout() -> float:
    """Seconds a write waits for another process's write lock."""
    return _float(BUSY_TIMEOUT_ENV, 60.0)


def context_run_id() -> str | None:
    return os.environ.get(RUN_ID_ENV) or None


def context_config() -> str | None:
    return os.environ.get(CONFIG_ENV) or None


def quiet() -> bool:
    return os.environ.get(QUIET_ENV, "") not in ("", "0", "false", "False")


def heartbeat_interval() -> float:
    """Seconds between heartbeats of a live run; silence for 3 of them means NotResponding."""
    return _float("RUNWATCH_HEARTBEAT_INTERVAL", 10.0)


def cancel_grace() -> float:
    """Seconds a canceled script gets after SIGTERM before SIGKILL."""
    return _float("RUNWATCH_CANCEL_GRACE", 10.0)


def local_slots() -> int:
    """Runs the local compute target executes at once (default: the CPU count)."""
    return int(_float("RUNWATCH_LOCAL_SLOTS", float(os.cpu_count() or 1)))


def agent_idle_exit() -> float:
    """Seconds the local agent waits with nothing queued or running before it exits."""
    return _float("RUNWATCH_AGENT_IDLE", 30.0)


def dask_timeout() -> float:
    """Seconds to wait for a Dask scheduler to answer (DaskCompute targets)."""
    return _float("RUNWATCH_DASK_TIMEOUT", 10.0)


def snapshot_warn_bytes() -> int:
    return int(_float("RUNWATCH_SNAPSHOT_WARN_MB", 300.0) * 1024 * 1024)


def environment_cache() -> str:
    """Where managed (virtualenv) environments are built and kept."""
    default = os.path.join(os.path.expanduser("~"), ".cache", "runwatch", "envs")
    return os.environ.get("RUNWATCH_ENV_CACHE") or default


#: Set in a submitted script's environment: the workspace's store URL, artifacts URL and name.
STORE_ENV = "RUNWATCH_STORE"
ARTIFACTS_ENV = "RUNWATCH_ARTIFACTS"
WORKSPACE_NAME_ENV = "RUNWATCH_WORKSPACE_NAME"


def context_workspace() -> tuple[str, str, str] | None:
    """(name, store URL, artifacts URL) of a submitted script's workspace, if set."""
    store = os.environ.get(STORE_ENV)
    if not store:
        return None
    return (
        os.environ.get(WORKSPACE_NAME_ENV) or "local",
        store,
        os.environ.get(ARTIFACTS_ENV) or "",
    )


#: Set for the agent and a submitted script: the workspace's artifact store options (JSON).
ARTIFACTS_OPTIONS_ENV = "RUNWATCH_ARTIFACTS_OPTIONS"


def context_artifacts_options() -> str | None:
    return os.environ.get(ARTIFACTS_OPTIONS_ENV) or None


def s3_endpoint() -> str | None:
    """The S3 endpoint named by the AWS variables (the S3-specific one first), if any."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def environment_variable(name: str) -> str | None:
    """A variable a workspace config refers to as `${NAME}`."""
    return os.environ.get(name)

"""A Dask cluster as a compute target: `DaskCompute`.

`ScriptRunConfig(..., compute_target=DaskCompute("tcp://scheduler:8786"))`
queues the run as usual; the local agent hands it to the scheduler
(`runwatch.agent._dask_job`), and a worker drives the script
(`runwatch.agent._dask_worker`). This module is the submitting side: the
target's settings, checked when it is made.
"""

from __future__ import annotations

import socket
from typing import Any

from runwatch.core import _settings
from runwatch.core._values import short_repr
from runwatch.errors import ConfigError, ValidationError

DASK = "dask"
_INSTALL = "pip install runwatch[dask]"
_ALL = 1_000_000  # default slots: hand every run over; Dask queues what cannot start yet


def distributed_module() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise ConfigError(
            f"DaskCompute needs the Dask distributed package, which cannot be imported "
            f"({error}); install it with: {_INSTALL}"
        ) from None
    return distributed


class DaskCompute:
    """A Dask cluster as a compute target: each submitted run is one task on a worker.

    `address` is the scheduler's address (`cluster.scheduler_address` of a
    cluster made with dask-jobqueue or dask-kubernetes). The workers need
    runwatch installed and must reach the workspace's store and artifacts;
    give `store` and `artifacts` if workers reach them under other URLs than
    the submitting machine does. At most `slots` runs are handed to the
    cluster at once (by default all: Dask queues tasks until a worker thread
    is free). Submitting checks that the scheduler answers.
    """

    def __init__(
        self,
        address: str,
        *,
        name: str = DASK,
        slots: int | None = None,
        store: str | None = None,
        artifacts: str | None = None,
    ) -> None:
        distributed_module()
        if not isinstance(address, str) or not address.strip():
            raise ValidationError(
                f"DaskCompute address {short_repr(address)} must be a scheduler address such "
                "as 'tcp://10.0.0.5:8786'"
            )
        if slots is not None and (type(slots) is not int or slots < 1):
            raise ValidationError(f"DaskCompute slots {short_repr(slots)} must be an int >= 1")
        for label, url in (("store", store), ("artifacts", artifacts)):
            if url is not None and (not isinstance(url, str) or not url):
                raise ValidationError(f"DaskCompute {label} {short_repr(url)} must be a URL")
        address = address.strip()
        self.address = address if "://" in address else f"tcp://{address}"
        self.name = name
        self.slots = slots
        self.store = store
        self.artifacts = artifacts

    def to_definition(self) -> dict[str, Any]:
        _check_reachable(self.address, _settings.dask_timeout())
        return {
            "kind": DASK,
            "name": self.name,
            "slots": self.slots or _ALL,
            "address": self.address,
            "store": self.store,
            "artifacts": self.artifacts,
        }

    def __repr__(self) -> str:
        return f"DaskCompute({self.address!r})"


def _check_reachable(address: str, timeout: float) -> None:
    """Fail fast on a TCP scheduler address nobody listens on (other schemes: the agent)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location)
    except ValueError as error:
        raise ValidationError(f"DaskCompute address {address!r} is malformed: {error}") from None
    if scheme not in ("tcp", "tls"):
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address}: {error or type(error).__name__}; "
            "is the scheduler running and is this its address (cluster.scheduler_address)?"
        ) from None

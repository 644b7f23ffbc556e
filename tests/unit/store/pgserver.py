"""A throwaway PostgreSQL server for tests and benchmarks, started from the local binaries.

`PgServer.start()` runs initdb and postgres in a temporary folder, listening on
127.0.0.1 on a free port with trust authentication on loopback, and
`stop()` ends exactly that postmaster (by its process). As root the server runs
as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

#: The password of the `postgres` user of a test server.
PASSWORD = "s3cret-test"


class PgUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def find_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PgUnavailable(
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH); "
        "install it (Debian: apt-get install postgresql) to run the PostgreSQL store tests"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgServer:
    def __init__(self, *, durable: bool = False) -> None:
        #: fsync on (as a real server), for benchmarks; tests need not survive a power cut.
        self.durable = durable
        self.bin_dir = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="runwatch-pg-"))
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count()
        self._emptied: set[str] = set()
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no postgres user") from None
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{database}"

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> PgServer:
        import psycopg  # the optional extra: only needed once a server is wanted

        data = self.root / "data"
        pwfile = self.root / "password"
        pwfile.write_text(PASSWORD)
        if self._as:
            os.chown(pwfile, self._as["user"], self._as["group"])
        init = subprocess.run(
            [self.bin_dir / "initdb", "-D", data, "-U", "postgres", "--pwfile", pwfile,
             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C",
             "--no-sync", "--no-instructions"],
            capture_output=True, text=True, cwd=self.root, check=False, **self._as,
        )  # fmt: skip
        if init.returncode != 0:
            raise PgUnavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 (kept open by the server)
        fast = [] if self.durable else [
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            [self.bin_dir / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(self.port),
             "-k", self.root, "-c", "max_connections=200", *fast],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.root, **self._as,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return self
            except psycopg.OperationalError as error:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = (self.root / "server.log").read_text(errors="replace")[-800:]
                    self.stop()
                    raise PgUnavailable(f"postgres did not start: {error}\n{tail}") from None
                time.sleep(0.02)

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "t") -> str:
        """An empty database of its own; returns its URL."""
        name = f"{prefix}{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def emptied_database(self, name: str = "store_tests") -> str:
        """The URL of database `name`, created on first use and emptied on each later one.

        Emptying the tables of one migrated database (~0.05 s) is five times faster than
        CREATE DATABASE and migrating (~0.3 s); the state is the same as a fresh store's.
        """
        import psycopg

        if name not in self._emptied:
            self.admin(f"CREATE DATABASE {name}")
            self._emptied.add(name)
            return self.url(name)
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename NOT IN ('schema_version', 'change_counter')"
                )
            ]
            if tables:
                conn.execute(
                    f"TRUNCATE {', '.join(tables)} RESTART IDENTITY; "
                    "UPDATE change_counter SET seq = 0"
                )
        return self.url(name)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: ends sessions, then exits
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

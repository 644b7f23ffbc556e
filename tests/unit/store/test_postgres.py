"""What only the PostgreSQL store does: URLs, connections, locking, migrations, the public API.

The RunStore behaviour itself is tested once for every backend in test_store.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgserver import PASSWORD, PgServer

import runwatch
from _parts import require
from runwatch.core._records import MetricBatch, RunStatus
from runwatch.errors import ConfigError, StoreError
from runwatch.store import open_store, scheme_of
from runwatch.store._schema import LATEST_VERSION

try:  # the optional extra; without it `_psycopg` skips or fails each test, naming it
    import psycopg

    from runwatch.store._postgres import WRITE_LOCK_KEY, PostgresStore, masked, to_pyformat
except ImportError:
    pass


@pytest.fixture(scope="module", autouse=True)
def _psycopg() -> None:
    require("psycopg")


def point(name: str, step: int, value: float) -> MetricBatch:
    return MetricBatch(name, "scalar", None, "", [step], [value], [float(step)])


def python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new Python process that imports this checkout's runwatch."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def url(postgres_server: PgServer) -> str:
    return postgres_server.new_database()


@pytest.fixture
def store(url: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(url, busy_timeout=10.0)
    yield opened
    opened.close()


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        ("SELECT '?', \"a?\" FROM t WHERE b = ?", "SELECT '?', \"a?\" FROM t WHERE b = %s"),
        ("SELECT 'it''s ?' WHERE x LIKE '5%' AND y = ?",
         "SELECT 'it''s ?' WHERE x LIKE '5%%' AND y = %s"),
        ("SELECT 100 % 7", "SELECT 100 %% 7"),
    ],
)  # fmt: skip
def test_placeholders_become_pyformat_outside_quotes(sql: str, expected: str) -> None:
    assert to_pyformat(sql) == expected


def test_literal_question_marks_and_percents_reach_the_server(store: PostgresStore) -> None:
    with store._read() as db:
        row = db.execute("SELECT '?', '5%', ? || '%'", ("a?",)).fetchone()
    assert tuple(row) == ("?", "5%", "a?%")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:hunter2@db:5432/runs", "postgresql://bob:***@db:5432/runs"),
        ("postgres://bob@db/runs", "postgres://bob@db/runs"),
        ("postgresql://db/runs", "postgresql://db/runs"),
        ("postgresql://bob:p%40ss@db/runs?sslmode=require", "postgresql://bob:***@db/runs?sslmode=require"),
    ],
)  # fmt: skip
def test_the_password_is_masked(url: str, shown: str) -> None:
    assert masked(url) == shown


def test_both_schemes_are_registered() -> None:
    assert scheme_of("postgresql://h/db") == "postgresql"
    assert scheme_of("postgres://h/db") == "postgres"
    assert scheme_of("postgresql+psycopg://h/db") == "postgresql"


def test_importing_runwatch_does_not_import_psycopg() -> None:
    done = python("import sys, runwatch; print('psycopg' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --------------------------------------------------------------------------- errors


def test_a_wrong_password_is_a_store_error_without_the_password(
    postgres_server: PgServer,
) -> None:
    url = postgres_server.url(password="not-the-password")
    with pytest.raises(StoreError) as caught:
        PostgresStore(url)
    message = str(caught.value)
    assert "cannot connect to the PostgreSQL store postgresql://postgres:***@127.0.0.1" in message
    assert "password authentication failed" in message
    assert "not-the-password" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_an_unreachable_server_is_a_store_error(postgres_server: PgServer) -> None:
    with PgServer() as nobody:  # a free port, never started
        url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{nobody.port}/postgres"
    with pytest.raises(
        StoreError, match=r"cannot connect to .*127\.0\.0\.1:\d+/postgres: .*refused"
    ):
        PostgresStore(url)


def test_a_missing_database_is_a_store_error(postgres_server: PgServer) -> None:
    with pytest.raises(StoreError, match='database "no_such_db" does not exist'):
        PostgresStore(postgres_server.url("no_such_db"))


@pytest.mark.parametrize(
    "url",
    ["postgresql://h/db?no_such_option=1", "postgresql://bob:secret@h:port/db"],
)
def test_a_bad_url_is_a_config_error(url: str) -> None:
    with pytest.raises((ConfigError, StoreError)) as caught:
        PostgresStore(url, connect_timeout=1)
    assert "secret" not in str(caught.value)
    assert "postgresql://" in str(caught.value)


def test_a_writer_locked_out_too_long_gets_a_store_error(url: str) -> None:
    store = PostgresStore(url, busy_timeout=0.3)
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        with pytest.raises(StoreError, match=r"stayed locked by another writer for 0\.3 s"):
            store.create_runs("exp", run_type="unit", status=RunStatus.RUNNING)
        holder.execute("ROLLBACK")
    assert store.create_runs("exp", run_type="unit", status=RunStatus.RUNNING)
    store.close()


def test_a_session_ended_by_the_server_is_replaced(store: PostgresStore, url: str) -> None:
    store.get_or_create_experiment("exp")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'runwatch' AND pid <> pg_backend_pid()"
        )
    assert store.get_or_create_experiment("exp").name == "exp"


# --------------------------------------------------------------------------- migrations


def test_a_fresh_database_is_migrated_once(store: PostgresStore, url: str) -> None:
    assert store.schema_version() == LATEST_VERSION
    PostgresStore(url).close()
    with psycopg.connect(url) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    assert versions == list(range(1, LATEST_VERSION + 1))
    with psycopg.connect(url) as conn:
        storage = conn.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
            "'metric_chunks'::regclass AND attname IN ('steps', 'times', 'vals')"
        ).fetchall()
    assert sorted(storage) == [("steps", "e"), ("times", "e"), ("vals", "e")]  # uncompressed


def test_two_processes_migrate_a_fresh_database_at_once(url: str) -> None:
    code = f"""
        from runwatch.store._postgres import PostgresStore
        PostgresStore({url!r}).create_runs("exp", run_type="unit", status="Running")
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    store = PostgresStore(url)
    assert store.schema_version() == LATEST_VERSION
    assert [r.number for r in store.list_runs("exp")] == [3, 2, 1]
    store.close()


# --------------------------------------------------------------------------- concurrency


def test_threads_share_one_store(store: PostgresStore) -> None:
    (run,) = store.create_runs("exp", run_type="unit", status=RunStatus.RUNNING)

    def work(k: int) -> None:
        for step in range(25):
            store.append_metrics(run.id, [point(f"m{k}", step, float(step))])
            store.update_tags(run.id, {f"t{k}_{step}": "x"})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    metrics = store.read_metrics(run.id)
    assert {name: info.count for name, (info, _) in metrics.items()} == {
        f"m{k}": 25 for k in range(4)
    }
    assert len(store.get_run(run.id).tags) == 100  # no read-modify-write was lost


def test_two_processes_claim_each_queued_run_once(store: PostgresStore, url: str) -> None:
    store.create_runs("exp", count=30, run_type="unit", status=RunStatus.QUEUED,
                      compute_target="local")  # fmt: skip
    code = f"""
        import os
        from runwatch.store._postgres import PostgresStore
        store = PostgresStore({url!r})
        claimed = []
        while (info := store.claim_queued("local", 1000, (os.getpid(), "h"))) is not None:
            claimed.append(info.id)
            store.update_tags(info.id, {{"by": str(os.getpid())}})
        print(" ".join(claimed))
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    claimed: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        claimed += out.split()
    assert len(claimed) == len(set(claimed)) == 30
    assert all(r.status == RunStatus.PREPARING for r in store.list_runs("exp"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_uses_the_store(store: PostgresStore) -> None:
    (run,) = store.create_runs("exp", run_type="unit", status=RunStatus.RUNNING)
    store.append_metrics(run.id, [point("loss", 0, 1.0)])
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            store.append_metrics(run.id, [point("loss", 1, 2.0)])
            store.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's own connection survived the child's use and exit.
    store.append_metrics(run.id, [point("loss", 2, 3.0)])
    assert store.read_metrics(run.id)["loss"][1].values == [1.0, 2.0, 3.0]


# --------------------------------------------------------------------------- the public API


def test_a_workspace_on_postgresql_end_to_end(url: str, tmp_path: Path) -> None:
    artifacts = str(tmp_path / "artifacts")
    ws = runwatch.Workspace("team", store=url, artifacts=artifacts)
    assert ws.store is open_store(url)
    run = runwatch.Experiment(ws, "shared").start_logging()
    for step in range(1000):
        run.log("loss", 1.0 / (step + 1))
    run.log_list("acc", [0.5, 0.75])
    (tmp_path / "notes.txt").write_text("hello")
    run.upload_file("outputs/notes.txt", str(tmp_path / "notes.txt"))
    run.complete()

    other = python(f"""
        import runwatch
        ws = runwatch.Workspace("team", store={url!r}, artifacts={artifacts!r})
        run = runwatch.Experiment(ws, "shared").start_logging()
        for step in range(500):
            run.log("loss", float(step))
        run.complete()
        print(run.id)
    """)  # fmt: skip
    assert other.returncode == 0, other.stderr
    other_id = other.stdout.strip()

    runs = {r.id: r for r in runwatch.Experiment(ws, "shared").get_runs()}
    assert set(runs) == {run.id, other_id}
    assert runs[other_id].get_status() == "Completed"
    mine = runs[run.id].get_metrics()
    assert len(mine["loss"]) == 1000 and mine["loss"][-1] == pytest.approx(1 / 1000)
    assert mine["acc"] == [0.5, 0.75]
    assert runs[other_id].get_metrics()["loss"] == [float(s) for s in range(500)]
    assert runs[run.id].get_file_names() == ["outputs/notes.txt"]


def test_a_workspace_with_a_wrong_password_says_so(postgres_server: PgServer) -> None:
    url = postgres_server.url(password="wrong-one")
    with pytest.raises(StoreError, match=r"postgres:\*\*\*@.*password authentication failed"):
        runwatch.Workspace("team", store=url, artifacts="/tmp/unused")


def test_a_workspace_on_an_unreachable_port_says_so() -> None:
    with PgServer() as nobody:
        url = f"postgresql://postgres:pw@127.0.0.1:{nobody.port}/runs"
    with pytest.raises(StoreError, match=r"cannot connect to the PostgreSQL store .*:\*\*\*@"):
        runwatch.Workspace("team", store=url, artifacts="/tmp/unused")


def test_a_value_the_database_refuses_is_a_validation_error(store: PostgresStore) -> None:
    """PostgreSQL text cannot hold NUL: refused as bad data (never retried), and the
    store stays usable."""
    run = store.create_runs("e", run_type="interactive", status=RunStatus.RUNNING)[0]
    bad = MetricBatch("m", "scalar", None, "a\x00b", [0], [1.0], [0.0])
    with pytest.raises(runwatch.ValidationError, match="refused a value"):
        store.append_metrics(run.id, [bad])
    store.append_metrics(run.id, [point("m", 0, 1.0)])
    assert store.read_metrics(run.id)["m"][1].values == [1.0]


# --------------------------------------------------------------------------- round trips


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the store sends, as the text it sends (psycopg's execute, traced)."""
    statements: list[str] = []
    execute = psycopg.Connection.execute

    def traced(self: psycopg.Connection[object], query: str, *args: object, **kw: object) -> object:
        statements.append(" ".join(str(query).split()))
        return execute(self, query, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(psycopg.Connection, "execute", traced)
    return statements


def test_opening_a_current_store_checks_its_schema_in_one_statement(
    url: str, sent: list[str]
) -> None:
    PostgresStore(url).close()
    sent.clear()
    PostgresStore(url).close()
    assert [s for s in sent if not s.startswith("SET ")] == [
        "SELECT (SELECT MAX(version) FROM schema_version), (SELECT COUNT(*) FROM pg_attribute "
        "WHERE attrelid = 'metric_chunks'::regclass AND attname IN ('steps', 'times', 'vals') "
        "AND attstorage <> 'e')"
    ]


def test_creating_and_completing_a_run_take_one_transaction_each(
    store: PostgresStore, sent: list[str]
) -> None:
    """A change begins with the lock and the change counter in one statement, and a read
    of one row is a statement of its own, without BEGIN and COMMIT."""
    store.get_or_create_experiment("exp")
    sent.clear()
    run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    store.append_metrics(run.id, [point("loss", 0, 0.5)])
    assert store.get_run(run.id).status == RunStatus.RUNNING
    done = store.set_status(run.id, RunStatus.COMPLETED)
    assert done.status == RunStatus.COMPLETED and done.seq > run.seq
    begins = [s for s in sent if s.startswith("BEGIN")]
    assert (
        begins
        == [
            f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY}); UPDATE change_counter SET "
            "seq = seq + 1 WHERE id = 1 RETURNING seq"
        ]
        * 3
    )  # create, append, complete: no read transactions
    assert sent.count("COMMIT") == 3
    assert not [s for s in sent if s.startswith("UPDATE change_counter")]  # taken in BEGIN
    assert sent[0].startswith("SELECT id, name, created_time FROM experiments")
    assert store.read_metrics(run.id)["loss"][1].values == [0.5]


def test_a_refused_value_in_a_pipelined_write_changes_nothing(store: PostgresStore) -> None:
    run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    bad = MetricBatch("m", "scalar", None, "nul \x00 inside", [0], [1.0], [0.0])
    with pytest.raises((runwatch.ValidationError, StoreError)):
        store.append_metrics(run.id, [point("ok", 0, 1.0), bad])
    assert store.read_metrics(run.id) == {}
    assert store.get_run(run.id).seq == run.seq
    store.append_metrics(run.id, [point("ok", 0, 2.0)])  # the connection is usable again
    assert store.read_metrics(run.id)["ok"][1].values == [2.0]


def test_a_flush_asks_the_same_few_questions_whatever_the_number_of_metrics(
    store: PostgresStore, sent: list[str]
) -> None:
    """Appending to 50 metrics reads the run, the metrics and their last chunks in one
    statement each; everything else is a write that waits for no answer."""
    run = store.create_runs("exp", run_type="t", status=RunStatus.RUNNING)[0]
    names = [f"m{i}" for i in range(50)]
    for step in range(2):  # new metrics, then known ones with small last chunks
        sent.clear()
        store.append_metrics(run.id, [point(name, step, float(step)) for name in names])
        reads = [s for s in sent if s.startswith("SELECT")]
        assert len(reads) == (2 if step == 0 else 3)
    stored = store.read_metrics(run.id)
    assert sorted(stored) == sorted(names)
    assert all(points.values == [0.0, 1.0] for _, points in stored.values())
    assert all(info.count == 2 and info.last_value == 1.0 for info, _ in stored.values())

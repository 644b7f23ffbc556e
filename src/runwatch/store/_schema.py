"""Numbered schema migrations, shared by the SQL stores.

Each migration is applied once, in order, inside one transaction, and the
store records the version it reached in `schema_version`. Types are written
as placeholders so SQLite and PostgreSQL read the same list:
{pk} an auto-numbered integer key, {float} a double, {blob} binary.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE change_counter (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq BIGINT NOT NULL
        );
        INSERT INTO change_counter (id, seq) VALUES (1, 0);

        CREATE TABLE experiments (
            id {pk},
            name TEXT NOT NULL UNIQUE,
            created_time {float} NOT NULL,
            next_number BIGINT NOT NULL DEFAULT 1,
            seq BIGINT NOT NULL
        );

        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            experiment_id BIGINT NOT NULL REFERENCES experiments (id),
            number BIGINT NOT NULL,
            parent_id TEXT,
            root_id TEXT NOT NULL,
            run_type TEXT NOT NULL,
            display_name TEXT,
            status TEXT NOT NULL,
            created_time {float} NOT NULL,
            start_time {float},
            end_time {float},
            heartbeat_time {float},
            error TEXT,
            tags TEXT NOT NULL DEFAULT '{{}}',
            properties TEXT NOT NULL DEFAULT '{{}}',
            child_count BIGINT NOT NULL DEFAULT 0,
            seq BIGINT NOT NULL
        );
        CREATE INDEX runs_by_experiment ON runs (experiment_id, number);
        CREATE INDEX runs_by_parent ON runs (parent_id, seq);

        CREATE TABLE metrics (
            id {pk},
            run_id TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            value_class TEXT,
            description TEXT NOT NULL DEFAULT '',
            count BIGINT NOT NULL DEFAULT 0,
            last_value TEXT,
            last_step BIGINT,
            seq BIGINT NOT NULL,
            UNIQUE (run_id, name)
        );
        CREATE INDEX metrics_by_seq ON metrics (run_id, seq);

        CREATE TABLE metric_chunks (
            id {pk},
            metric_id BIGINT NOT NULL REFERENCES metrics (id),
            run_id TEXT NOT NULL,
            first_index BIGINT NOT NULL,
            n BIGINT NOT NULL,
            encoding TEXT NOT NULL,
            steps {blob} NOT NULL,
            times {blob} NOT NULL,
            vals {blob} NOT NULL,
            seq BIGINT NOT NULL
        );
        CREATE INDEX chunks_by_metric ON metric_chunks (metric_id, first_index);
        CREATE INDEX chunks_by_seq ON metric_chunks (run_id, seq);

        CREATE TABLE files (
            id {pk},
            run_id TEXT NOT NULL,
            name TEXT NOT NULL,
            size BIGINT NOT NULL,
            created_time {float} NOT NULL,
            seq BIGINT NOT NULL,
            UNIQUE (run_id, name)
        );
        CREATE INDEX files_by_seq ON files (run_id, seq);
        """,
    ),
    (
        2,
        """
        ALTER TABLE runs ADD COLUMN definition TEXT;
        ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN owner_pid BIGINT;
        ALTER TABLE runs ADD COLUMN owner_host TEXT;
        ALTER TABLE runs ADD COLUMN compute_target TEXT;
        CREATE INDEX runs_by_status ON runs (status, compute_target, number);
        """,
    ),
    (
        3,
        """
        CREATE TABLE assets (
            id {pk},
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            version BIGINT NOT NULL,
            created_time {float} NOT NULL,
            run_id TEXT,
            experiment TEXT,
            description TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '{{}}',
            properties TEXT NOT NULL DEFAULT '{{}}',
            document TEXT NOT NULL DEFAULT '{{}}',
            seq BIGINT NOT NULL,
            UNIQUE (kind, name, version)
        );
        """,
    ),
    (
        4,
        """
        CREATE TABLE asset_names (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            last_version BIGINT NOT NULL,
            PRIMARY KEY (kind, name)
        );
        INSERT INTO asset_names (kind, name, last_version)
            SELECT kind, name, MAX(version) FROM assets GROUP BY kind, name;
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def statements(sql: str, types: dict[str, str]) -> list[str]:
    """Split a migration into statements with the dialect's type names filled in."""
    return [part.strip() for part in sql.format(**types).split(";") if part.strip()]

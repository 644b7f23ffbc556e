"""The workspace's registry of named, versioned assets (models, environments).

Registering a name again adds the next version (1, 2, ...); versions are never
renumbered, and the number of a deleted version is not given out again. Each
version keeps its own tags, properties and description, which may change, and a
JSON document, which may not.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from runwatch.core import _codec
from runwatch.core._records import AssetInfo
from runwatch.errors import AssetNotFoundError
from runwatch.store._sql_common import Connection, SqlAccess

ASSET_COLUMNS = (
    "kind, name, version, created_time, run_id, experiment, description, tags, properties, document"
)


def next_version(db: Connection, kind: str, name: str) -> int:
    """Take the next version number of `kind` `name` (1 for a new name)."""
    row = db.execute(
        "SELECT last_version FROM asset_names WHERE kind = ? AND name = ?", (kind, name)
    ).fetchone()
    version = int(row[0]) + 1 if row else 1
    taken_version(db, kind, name, version)
    return version


def taken_version(db: Connection, kind: str, name: str, version: int) -> None:
    """Record that `version` of `kind` `name` exists, so later versions count on from it."""
    db.execute(
        "INSERT INTO asset_names (kind, name, last_version) VALUES (?, ?, ?) "
        "ON CONFLICT (kind, name) DO UPDATE SET last_version = "
        "CASE WHEN excluded.last_version > asset_names.last_version "
        "THEN excluded.last_version ELSE asset_names.last_version END",
        (kind, name, version),
    )


def asset_info(row: Any) -> AssetInfo:
    kind, name, version, created, run_id, experiment, description, tags, properties, doc = row
    return AssetInfo(
        kind=kind,
        name=name,
        version=int(version),
        created_time=float(created),
        run_id=run_id,
        experiment=experiment,
        description=description,
        tags=_codec.load_json(tags),
        properties=_codec.load_json(properties),
        document=_codec.load_json(doc),
    )


class AssetsSql(SqlAccess):
    """Registering, finding and listing assets."""

    def register_asset(
        self,
        kind: str,
        name: str,
        document: Mapping[str, Any],
        *,
        run_id: str | None = None,
        experiment: str | None = None,
        description: str = "",
        tags: Mapping[str, str] | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> AssetInfo:
        with self._write() as db:
            version = next_version(db, kind, name)
            db.execute(
                f"INSERT INTO assets ({ASSET_COLUMNS}, seq) VALUES ({', '.join('?' * 11)})",
                (
                    kind,
                    name,
                    version,
                    time.time(),
                    run_id,
                    experiment,
                    description,
                    _codec.dump_json(dict(tags or {})),
                    _codec.dump_json(dict(properties or {})),
                    _codec.dump_json(dict(document)),
                    self._next_seq(db),
                ),
            )
            return self._asset_row(db, kind, name, version)

    def get_asset(self, kind: str, name: str, version: int | None = None) -> AssetInfo:
        with self._read() as db:
            if version is None:
                row = db.execute(
                    "SELECT MAX(version) FROM assets WHERE kind = ? AND name = ?", (kind, name)
                ).fetchone()
                if row[0] is None:
                    raise AssetNotFoundError(
                        f"no {kind} named {name!r} is registered in this workspace"
                    )
                version = int(row[0])
            return self._asset_row(db, kind, name, version)

    def list_assets(self, kind: str, name: str | None = None) -> list[AssetInfo]:
        sql = f"SELECT {ASSET_COLUMNS} FROM assets WHERE kind = ?"
        parameters: list[Any] = [kind]
        if name is not None:
            sql += " AND name = ?"
            parameters.append(name)
        with self._read() as db:
            rows = db.execute(sql + " ORDER BY name, version", parameters).fetchall()
        return [asset_info(row) for row in rows]

    def update_asset(
        self,
        kind: str,
        name: str,
        version: int,
        *,
        description: str | None = None,
        set_tags: Mapping[str, str] | None = None,
        remove_tags: Iterable[str] = (),
        add_properties: Mapping[str, Any] | None = None,
    ) -> AssetInfo:
        """Change what may change of one version; properties are only ever added."""
        with self._write() as db:
            current = self._asset_row(db, kind, name, version)
            tags = {**current.tags, **(set_tags or {})}
            for key in remove_tags:
                tags.pop(key, None)
            properties = {**current.properties, **(add_properties or {})}
            db.execute(
                "UPDATE assets SET description = ?, tags = ?, properties = ?, seq = ? "
                "WHERE kind = ? AND name = ? AND version = ?",
                (
                    current.description if description is None else description,
                    _codec.dump_json(tags),
                    _codec.dump_json(properties),
                    self._next_seq(db),
                    kind,
                    name,
                    version,
                ),
            )
            return self._asset_row(db, kind, name, version)

    def delete_asset(self, kind: str, name: str, version: int) -> None:
        with self._write() as db:
            self._asset_row(db, kind, name, version)
            db.execute(
                "DELETE FROM assets WHERE kind = ? AND name = ? AND version = ?",
                (kind, name, version),
            )
            self._next_seq(db)

    @staticmethod
    def _asset_row(db: Connection, kind: str, name: str, version: int) -> AssetInfo:
        row = db.execute(
            f"SELECT {ASSET_COLUMNS} FROM assets WHERE kind = ? AND name = ? AND version = ?",
            (kind, name, version),
        ).fetchone()
        if row is None:
            raise AssetNotFoundError(
                f"no {kind} named {name!r} with version {version} is registered in this workspace"
            )
        return asset_info(row)

"""Run stores, chosen by the scheme of the store URL.

`open_store(url)` returns the store for a URL, one instance per URL and
process, so every `Workspace` on the same store shares its connections.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from runwatch.core import _settings
from runwatch.errors import ConfigError
from runwatch.store._base import RunStore

# The default store is imported with the package (a few ms of `import sqlite3`) so that
# the first read of a fresh process does not pay for it; other backends load on use.
from runwatch.store._sqlite import SqliteStore

__all__ = ["RunStore", "open_store", "register_scheme", "schemes"]


def _sqlite(url: str) -> RunStore:
    return SqliteStore(url, busy_timeout=_settings.busy_timeout())


def _postgres(url: str) -> RunStore:
    try:
        from runwatch.store._postgres import PostgresStore
    except ImportError as error:  # psycopg is an optional extra
        raise ConfigError(
            f"the store URL {url.split('://', 1)[0]}://... needs psycopg ({error}); "
            "install it with: pip install 'runwatch[postgres]'"
        ) from None
    return PostgresStore(url, busy_timeout=_settings.busy_timeout())


_FACTORIES: dict[str, Callable[[str], RunStore]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}
_OPEN: dict[str, RunStore] = {}
_LOCK = threading.Lock()


def register_scheme(scheme: str, factory: Callable[[str], RunStore]) -> None:
    """Make `open_store` build stores for URLs starting with `scheme://`."""
    _FACTORIES[scheme] = factory


def schemes() -> list[str]:
    return sorted(_FACTORIES)


def scheme_of(url: str) -> str:
    if not isinstance(url, str) or "://" not in url:
        raise ConfigError(
            f"store URL {url!r} has no scheme; expected one of "
            + ", ".join(f"{s}://..." for s in schemes())
        )
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    if scheme not in _FACTORIES:
        raise ConfigError(
            f"store URL {url!r} has the unknown scheme {scheme!r}; expected one of "
            + ", ".join(schemes())
        )
    return scheme


def open_store(url: str) -> RunStore:
    """The store for `url`, opened once per process."""
    factory = _FACTORIES[scheme_of(url)]
    with _LOCK:
        store = _OPEN.get(url)
        if store is not None and not store.is_current():
            store.close()  # its users get an error saying why; new ones get the new file
            store = None
        if store is None:
            store = factory(url)
            _OPEN[url] = store
            _OPEN[store.url] = store
        return store

"""Engine and session factory; the only place that knows how to connect."""

from __future__ import annotations

from pathlib import Path
from time import monotonic
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    """True when the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres(session: AsyncSession) -> bool:
    """True when the session's database is PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine; for SQLite the file's folder is created and WAL mode enabled."""
    parsed = make_url(url)
    kwargs: dict[str, object] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        _ping_idle_connections(engine)
    return engine


# A pooled connection unused this long is pinged before use (a server restart or a dropped
# TCP connection shows there); a busy bot reuses connections within milliseconds and skips
# the ping, which on asyncpg costs three round trips (BEGIN, ";", ROLLBACK) per checkout.
IDLE_PING_SECONDS = 5.0


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling like `pool_pre_ping`, for idle connections only."""
    dialect = engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in_at"] = monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.pop("checked_in_at", None)
        if checked_in_at is None or monotonic() - checked_in_at < IDLE_PING_SECONDS:
            return  # a fresh connection, or one used a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error
        if not alive:
            raise exc.DisconnectionError("ping failed")

    event.listen(engine.sync_engine.pool, "checkin", checkin)
    event.listen(engine.sync_engine.pool, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory used by every adapter; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_database_outage(error: BaseException) -> bool:
    """True when `error` (or what caused it) says the database cannot be reached: a refused
    or dropped connection, a timeout, a connection SQLAlchemy invalidated. Errors of a query
    itself (constraint, syntax) are not outages."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, exc.DBAPIError) and (
            current.connection_invalidated
            or isinstance(current, exc.OperationalError | exc.InterfaceError)
        ):
            return True
        if isinstance(current, exc.DisconnectionError | exc.TimeoutError):
            return True
        if isinstance(current, OSError | TimeoutError | ConnectionError):
            return True
        if (
            type(current).__module__.startswith("asyncpg")
            and "Connection" in type(current).__name__
        ):
            return True
        current = current.__cause__ or current.__context__
    return False

"""Group commit for the web's audit entries: one transaction for whatever requests are waiting.

Every request waits until its entry is committed before its answer leaves, as before; but while
one batch is being written the next requests' entries gather, so under load each commit (and each
turn at the chain's write lock) serves many requests instead of one.
"""

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from peelian.governance import audit


class AuditWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.waiting: list[tuple[audit.Entry, asyncio.Future]] = []
        self.writing: asyncio.Task | None = None

    async def record(self, entry: audit.Entry) -> None:
        """Returns once the entry is committed; raises if it could not be."""
        done = asyncio.get_running_loop().create_future()
        self.waiting.append((entry, done))
        if self.writing is None or self.writing.done():
            self.writing = asyncio.create_task(self._write_while_waiting())
        await done

    async def _write_while_waiting(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting, []
            try:
                await run_in_threadpool(self._commit, [entry for entry, _ in batch])
            except Exception as exc:  # every waiting request fails closed: no entry, no answer
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def _commit(self, entries: list[audit.Entry]) -> None:
        with _write_turn(self.engine), self.engine.begin() as conn:
            audit.append_many(conn, entries)


@contextmanager
def _write_turn(engine: Engine) -> Iterator[None]:
    """SQLite: the server's worker processes take turns through a file lock before writing. Left
    to SQLite, a busy writer retries after sleeps of up to 100 ms; a lock hands over at once."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}-audit.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Group commit of the web's audit entries: every waiting request's entry lands, in one chain,
and when the write fails every waiting request fails with it (no entry, no answer)."""

import asyncio
import fcntl
import threading
from pathlib import Path

from sqlalchemy import func, select

from peelian.db.schema import audit_log
from peelian.governance import audit
from peelian.web.audit_writer import AuditWriter


def run(make_coroutine):
    """Its own thread and loop: Playwright's browser tests leave a loop running in this one."""
    result = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(make_coroutine())))
    thread.start()
    thread.join()
    return result[0]


def test_concurrent_requests_share_commits_and_the_chain_holds(store):
    writer = AuditWriter(store)
    commits = []
    commit = writer._commit
    writer._commit = lambda entries: (commits.append(len(entries)), commit(entries))

    async def requests():
        await asyncio.gather(*(writer.record(audit.Entry(f"user{i}", "GET /api/events")) for i in range(200)))

    run(requests)
    with store.connect() as conn:
        actors = conn.execute(select(audit_log.c.actor).order_by(audit_log.c.seq)).scalars().all()
    assert sorted(actors) == sorted(f"user{i}" for i in range(200))
    assert sum(commits) == 200 and len(commits) < 200  # batched: fewer commits than requests
    assert audit.verify(store).ok


def test_a_failed_write_fails_every_waiting_request(store):
    writer = AuditWriter(store)

    async def requests():
        bad = audit.Entry("x", "GET /", outcome="not an outcome")  # the whole batch is refused
        return await asyncio.gather(
            writer.record(audit.Entry("a", "GET /")), writer.record(bad), return_exceptions=True
        )

    results = run(requests)
    assert all(isinstance(r, ValueError) for r in results)
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == 0


def test_sqlite_writers_take_turns_through_a_lock_file(sqlite_store):
    """Another worker process holding the lock holds this writer back until it lets go."""
    lock = Path(f"{sqlite_store.url.database}-audit.lock")
    done = threading.Event()

    def request() -> None:
        asyncio.run(AuditWriter(sqlite_store).record(audit.Entry("a", "GET /")))
        done.set()

    with lock.open("a") as other_worker:
        fcntl.flock(other_worker, fcntl.LOCK_EX)
        thread = threading.Thread(target=request)
        thread.start()
        assert not done.wait(0.5)
        fcntl.flock(other_worker, fcntl.LOCK_UN)
    assert done.wait(10)
    thread.join()
    assert audit.verify(sqlite_store).entries == 1

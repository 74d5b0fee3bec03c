"""Runs an adapter over its files and writes to the store, one transaction per chunk.

A chunk commits together with its run counters, so an interrupted run leaves whole chunks and
true counts behind; re-running finds those rows unchanged and completes the rest.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import closing, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, update

from peelian.db import require_current, store_crs
from peelian.db.schema import ingest_runs
from peelian.errors import PeelianError
from peelian.geo.crs import projector
from peelian.ingest.adapter import Adapter, ParseContext
from peelian.ingest.batch import Batch
from peelian.ingest.prefetch import Prefetcher
from peelian.ingest.sources import SourceFile
from peelian.ingest.unchanged import SkipLedger, UnchangedFilter
from peelian.ingest.writer import BatchWriter, Outcome

log = logging.getLogger(__name__)
PARALLEL_BYTES = 20 * 1024 * 1024


@dataclass
class FileReport:
    source: str
    run_id: int
    status: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    quarantined_new: int = 0
    seconds: float = 0.0
    message: str | None = None


@dataclass
class IngestReport:
    adapter: str
    files: list[FileReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status != "completed"]

    def as_dict(self) -> dict:
        keys = ("rows_read", "inserted", "updated", "unchanged", "quarantined", "quarantined_new")
        return {
            "adapter": self.adapter,
            "totals": {k: self.total(k) for k in keys}
            | {"files": len(self.files), "failed": len(self.failed)},
            "files": [asdict(f) for f in self.files],
        }


# (event, count): ("files", n) once, then per file ("file:<name>", 0), ("rows", k)..., ("done", 0)
Progress = Callable[[str, int], None]


def ingest(
    engine: Engine,
    adapter: Adapter,
    path: Path,
    chunk_size: int,
    max_bytes: int,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> IngestReport:
    """Ingest every file the adapter finds under ``path``.

    ``parallel`` parses in a second process; by default only for inputs over 20 MB, where it
    repays the process start-up.
    """
    require_current(engine)
    files = adapter.discover(path)
    if not files:
        raise PeelianError(f"no {adapter.name} source files found under {path}")
    store_url = engine.url.render_as_string(hide_password=False)
    ctx = ParseContext(projector(store_crs(engine)), chunk_size, max_bytes, datetime.now(UTC), store_url)
    if parallel is None:
        parallel = sum(f.path.stat().st_size for f in {f.path: f for f in files}.values()) > PARALLEL_BYTES
    report = IngestReport(adapter.name)
    notify = progress or (lambda _event, _rows: None)
    notify("files", len(files))
    ledger = SkipLedger()
    with (
        Prefetcher(adapter, files, ctx) if parallel else nullcontext() as prefetcher,
        closing(UnchangedFilter(store_url)) if not parallel else nullcontext() as unchanged,
    ):
        for source in files:
            notify(f"file:{source.name}", 0)
            batches = prefetcher.batches(source) if prefetcher else adapter.batches(source, ctx, unchanged)
            report.files.append(_ingest_file(engine, adapter, source, batches, notify, ledger, ctx))
            notify("done", 0)
    return report


def _lookahead(batches: Iterator[Batch]) -> Iterator[tuple[Batch, bool]]:
    """Pairs each batch with whether it is the last, so the run can close in the same commit."""
    previous = next(batches, None)
    for batch in batches:
        yield previous, False
        previous = batch
    if previous is not None:
        yield previous, True


def _ingest_file(
    engine: Engine,
    adapter: Adapter,
    source: SourceFile,
    batches: Iterator[Batch],
    notify: Progress,
    ledger: SkipLedger,
    ctx: ParseContext,
) -> FileReport:
    system = adapter.source_system(source)
    sha256, size = source.fingerprint()
    started = time.perf_counter()
    run = {
        "adapter": adapter.name,
        "source_system": system,
        "source_name": source.name,
        "source_path": source.display,
        "file_sha256": sha256,
        "file_bytes": size,
        "status": "running",
        "started_at": datetime.now(UTC),
    }
    report = FileReport(source.display, 0, "running")
    total = Outcome()
    try:
        for batch, last in _lookahead(batches):
            replayed = _replay_doubtful(adapter, source, ctx, batch, ledger.doubtful(system, batch))
            # One commit per chunk covers the rows, the run's counters and, for the last chunk,
            # the run's completion: a crash can never leave counts that disagree with the rows.
            with engine.begin() as conn:
                if not report.run_id:
                    report.run_id = _open_run(conn, run, batch.columns)
                writer = BatchWriter(system, source.name, report.run_id)
                for part in (batch, *replayed):
                    total.add(writer.write(conn, part))
                report.rows_read += batch.rows_read
                values = _counters(report.rows_read, total)
                if last:
                    values |= {"status": "completed", "finished_at": datetime.now(UTC)}
                conn.execute(update(ingest_runs).where(ingest_runs.c.id == report.run_id).values(**values))
            notify("rows", batch.rows_read)
        if not report.run_id:  # a file with a header and no rows
            with engine.begin() as conn:
                report.run_id = _open_run(
                    conn, run | {"status": "completed", "finished_at": datetime.now(UTC)}, None
                )
        report.status = "completed"
    except PeelianError as exc:
        report.status, report.message = "failed", str(exc)
        log.error("%s: %s", source.display, exc)
        _close_failed(engine, run, report)
    except KeyboardInterrupt:
        report.status, report.message = "interrupted", "stopped by the user; re-run to complete"
        _close_failed(engine, run, report)
        raise
    except BaseException as exc:
        report.status, report.message = "failed", f"{type(exc).__name__}: {exc}"
        _close_failed(engine, run, report)
        raise
    for name in ("inserted", "updated", "unchanged", "quarantined", "quarantined_new"):
        setattr(report, name, getattr(total, name))
    report.seconds = time.perf_counter() - started
    return report


def _replay_doubtful(
    adapter: Adapter, source: SourceFile, ctx: ParseContext, batch: Batch, doubtful: set[str]
) -> list[Batch]:
    """Rows skipped on a view that an earlier batch of this ingest may have changed: parse the
    file again here, without skipping, and hand just those rows to the writer to judge."""
    if not doubtful:
        return []
    log.info(
        "%s: re-reading %d row(s) an earlier file of this ingest also had", source.display, len(doubtful)
    )
    batch.skipped_keys = [k for k in batch.skipped_keys if k not in doubtful]
    parts = (whole.only(doubtful) for whole in adapter.batches(source, ctx))
    return [part for part in parts if part is not None]


def _open_run(conn, run: dict, columns: list[str] | None) -> int:
    values = run | {"columns": columns} | _counters(0, Outcome())
    return conn.execute(ingest_runs.insert().values(**values)).inserted_primary_key[0]


def _counters(read: int, total: Outcome) -> dict:
    return {
        "rows_read": read,
        "rows_inserted": total.inserted,
        "rows_updated": total.updated,
        "rows_unchanged": total.unchanged,
        "rows_quarantined": total.quarantined,
    }


def _close_failed(engine: Engine, run: dict, report: FileReport) -> None:
    """Record why a file stopped; committed chunks stay, their counts already on the run."""
    closing = {"status": report.status, "message": report.message, "finished_at": datetime.now(UTC)}
    with engine.begin() as conn:
        if report.run_id:
            conn.execute(update(ingest_runs).where(ingest_runs.c.id == report.run_id).values(**closing))
        else:
            report.run_id = _open_run(conn, run | closing, None)

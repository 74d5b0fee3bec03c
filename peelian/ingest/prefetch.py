"""Parse in worker processes while this one writes, so every core has work.

Each worker takes every n-th file and streams its batches through its own bounded queue
(backpressure keeps memory flat); the parent takes each file's batches from the worker that has
it, in file order. A first ingest is bound by the writer; a re-ingest, where most rows are
skipped as unchanged, is bound by parsing, which then runs on all cores.
"""

import multiprocessing as mp
import queue
from collections.abc import Iterator
from contextlib import closing

from peelian.ingest.adapter import Adapter, ParseContext
from peelian.ingest.batch import Batch
from peelian.ingest.sources import SourceFile
from peelian.ingest.unchanged import UnchangedFilter

_DONE = "done"


def _produce(adapter: Adapter, files: list[tuple[int, SourceFile]], ctx: ParseContext, out) -> None:
    with closing(UnchangedFilter(ctx.store_url)) as unchanged:
        for index, source in files:
            try:
                for batch in adapter.batches(source, ctx, unchanged):
                    out.put(("batch", index, batch))
            except Exception as exc:  # handed to the parent, which decides what fails
                out.put(("error", index, exc))
                continue
            out.put((_DONE, index, None))


class Prefetcher:
    """Context manager: ``batches(source)`` replays the workers' output for each file, in order."""

    def __init__(
        self, adapter: Adapter, sources: list[SourceFile], ctx: ParseContext, workers: int = 2, depth: int = 2
    ):
        context = mp.get_context("spawn")
        self._workers = max(1, min(workers, len(sources)))
        self._queues = [context.Queue(maxsize=depth) for _ in range(self._workers)]
        numbered = list(enumerate(sources))
        self._processes = [
            context.Process(
                target=_produce, args=(adapter, numbered[w :: self._workers], ctx, q), daemon=True
            )
            for w, q in enumerate(self._queues)
        ]
        self._index = {source: i for i, source in numbered}

    def __enter__(self) -> "Prefetcher":
        for process in self._processes:
            process.start()
        return self

    def __exit__(self, *exc_info) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
        for q in self._queues:
            q.close()

    def batches(self, source: SourceFile) -> Iterator[Batch]:
        expected = self._index[source]
        worker = expected % self._workers
        while True:
            try:
                kind, index, payload = self._queues[worker].get(timeout=5)
            except queue.Empty:
                if not self._processes[worker].is_alive():
                    raise RuntimeError("a parsing process died; see the log above") from None
                continue
            if index != expected:
                raise RuntimeError(f"parser out of step: got file {index}, expected {expected}")
            if kind == "batch":
                yield payload
            elif kind == "error":
                raise payload
            else:
                return

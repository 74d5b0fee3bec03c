"""Loading written synthetic nominals the way any force source is loaded: each system's CSV
through its shipped mapping and the mapped adapter, by the ordinary ingest pipeline."""

from pathlib import Path

from sqlalchemy import Engine

from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import IngestReport, Progress, ingest
from peelian.synth.nominals import SYSTEMS, mapping_name


def ingest_nominals(
    engine: Engine, folder: Path, chunk_size: int, max_bytes: int, progress: Progress | None = None
) -> dict[str, IngestReport]:
    """Every system's CSV in ``folder`` into the store; the pipeline's report per system."""
    return {
        name: ingest(
            engine, MappedAdapter(load_mapping(mapping_name(name))), folder / f"{name}.csv", chunk_size,
            max_bytes, progress,
        )
        for name in SYSTEMS
    }  # fmt: skip

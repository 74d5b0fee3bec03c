"""Recording a triaged report as a crime: one row through the ingest pipeline with the shipped
``public_portal`` mapping, so the crime, the reporter (and victim), any suspect, the vehicle and
the property reach the store with the same checks, provenance and versioning as any source, and
flow on into search, entity resolution and analytics.
"""

import csv
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from peelian.db.schema import events
from peelian.errors import PeelianError
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.portal import service
from peelian.portal.answers import CATEGORIES, MAX_ITEMS

MAPPING = "public_portal"
SYSTEM = "public.portal"
MAX_BYTES = 1 << 20


def row(reference: str, answers: dict[str, Any]) -> dict[str, str]:
    """The report (as it may be shown: redactions applied) as one row of the mapping's columns."""
    place = ", ".join(p for p in (answers.get("location"), answers.get("postcode")) if p)
    suspect = answers.get("suspect_name") or answers.get("suspect_description")
    found = {
        "reference": reference,
        "category": CATEGORIES[answers["category"]][1],
        "from": answers["time_from"],
        "to": answers.get("time_to") or "",
        "lon": "" if answers.get("lon") is None else str(answers["lon"]),
        "lat": "" if answers.get("lat") is None else str(answers["lat"]),
        "location": place,
        "outcome": "Under investigation",
        "account": answers.get("account", ""),
        "reporter_key": f"{reference}:reporter",
        "reporter_name": answers.get("name", ""),
        "reporter_email": answers.get("email", ""),
        "reporter_phone": answers.get("phone", ""),
        "victim_key": f"{reference}:reporter" if answers.get("is_victim") else "",
        "suspect_key": f"{reference}:suspect" if suspect else "",
        "suspect_name": answers.get("suspect_name", ""),
        "suspect_description": answers.get("suspect_description", ""),
        "vehicle_registration": answers.get("vehicle_registration", ""),
        "vehicle_description": answers.get("vehicle_description", ""),
    }
    items = answers.get("items") or []
    for n in range(1, MAX_ITEMS + 1):
        item = items[n - 1] if n <= len(items) else None
        found[f"item{n}_key"] = f"{reference}#{n}" if item else ""
        for part in ("description", "serial", "value"):
            found[f"item{n}_{part}"] = item[part] if item else ""
    return found


def record(engine: Engine, report_id: str, user: str, chunk_size: int = 1000) -> str:
    """Write the report into the store as a crime; the event's id. Recording twice restates it."""
    detail = service.staff_view(engine, report_id)
    if "recorded" not in detail["next"]:
        raise PeelianError(f"a report at '{detail['stage']}' cannot be recorded")
    values = row(detail["reference"], detail["answers"])
    with tempfile.TemporaryDirectory(prefix="peelian-portal-") as folder:
        path = Path(folder) / f"{detail['reference']}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(values))
            writer.writeheader()
            writer.writerow(values)
        report = ingest(
            engine, MappedAdapter(load_mapping(MAPPING)), path, chunk_size, MAX_BYTES, parallel=False
        )
    totals = report.as_dict()["totals"]
    if totals["quarantined"] or report.failed:
        raise PeelianError(
            "the store refused this report ('peelian quarantine list' says why): fix it and record again"
        )
    with engine.connect() as conn:
        event_id = conn.execute(
            select(events.c.id).where(
                events.c.source_system == SYSTEM, events.c.natural_key == detail["reference"]
            )
        ).scalar_one()
    service.mark_recorded(engine, report_id, user, event_id)
    return event_id

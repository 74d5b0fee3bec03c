"""Search and profile as audited acts: a person search or a profile read needs a declared purpose
and leaves an audit entry naming the records it returned, in the same transaction as the read's
entry is written (the web's middleware does the same for its routes).
"""

from typing import Any

from sqlalchemy import Engine

from peelian.errors import PeelianError
from peelian.governance import audit
from peelian.governance.sessions import PURPOSES
from peelian.search import export, profile, query

MAX_AUDITED = 200  # record ids named in one audit entry


def check_purpose(purpose: str | None, case_ref: str | None) -> None:
    if purpose not in PURPOSES or not (case_ref or "").strip():
        raise PeelianError(
            "searching people needs a declared purpose and case reference: --purpose "
            f"({', '.join(PURPOSES)}) and --case-ref"
        )


def find(engine: Engine, text: str, filters: query.Filters, user: str, purpose: str | None,
         case_ref: str | None, limit: int = 20) -> dict[str, Any]:  # fmt: skip
    check_purpose(purpose, case_ref)
    found = query.search(engine, text, filters, limit)
    with engine.begin() as conn:
        audit.append(
            conn, user, "search.query", details=audited(found, filters), purpose=purpose, case_ref=case_ref
        )
    return found


def audited(found: dict[str, Any], filters: query.Filters) -> dict[str, Any]:
    """What an audit entry keeps of a search: the query, filters and records returned."""
    records = [r for result in found["results"] for r in result["matched"]]
    return {
        "query": found["query"],
        "filters": {k: str(v) for k, v in filters.__dict__.items() if v},
        "entities": [r["entity_id"] for r in found["results"]],
        "records": records[:MAX_AUDITED],
    }


def read_profile(engine: Engine, entity_id: str, user: str, purpose: str | None, case_ref: str | None,
                 action: str = "search.profile") -> dict[str, Any]:  # fmt: skip
    check_purpose(purpose, case_ref)
    found = profile.assemble(engine, entity_id)
    with engine.begin() as conn:
        details = {"entity_id": found["entity"]["id"], "records": profile.record_ids(found)[:MAX_AUDITED]}
        audit.append(conn, user, action, details=details, purpose=purpose, case_ref=case_ref)
    return found


def export_profile(
    engine: Engine, entity_id: str, user: str, purpose: str | None, case_ref: str | None
) -> str:
    """The profile as one self-contained HTML page for a case file; the export itself is audited."""
    found = read_profile(engine, entity_id, user, purpose, case_ref, action="search.profile_export")
    return export.html(found, user=user, purpose=purpose or "", case_ref=case_ref or "")

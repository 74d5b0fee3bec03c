"""Leads and judgements: one mechanism for every algorithmic output.

A predicted hotspot, a possible entity match, a suspected series and a harm ranking are all leads:
a type, a title, a plain-language explanation, the provenance it came from (model, version, source
and entity ids) and a score. None of them is actionable until a person accepts it with a reason.
Every judgement is kept, not just the latest, so reversals (overrides) stay visible and the
override and rejection rates of each lead type can be reported to the people who oversee models.
Proposals and judgements are audited in the same transaction as the act.
"""

import json
import math
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select, update

from peelian.db.schema import judgements, leads
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit

STATUSES = ("open", "accepted", "rejected", "unsure")
# "unsure" records that someone looked and could not decide: the lead stays unactioned, and the
# look is kept (a second reviewer sees it) instead of vanishing.
DECISIONS = {"accept": "accepted", "reject": "rejected", "unsure": "unsure"}
MAX_REASON = 2000
_TYPE = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")
Effect = Callable[[Connection, dict[str, Any], str, str], None]
_EFFECTS: dict[str, Effect] = {}


def on_decision(lead_type: str) -> Callable[[Effect], Effect]:
    """Register what a decision on a lead type does to the store, e.g. an accepted crime series
    becoming intelligence links. It runs inside the judgement's transaction as
    ``effect(conn, lead, new_status, user)``, so the decision and its effect land together or not at all.
    """

    def register(effect: Effect) -> Effect:
        _EFFECTS[lead_type] = effect
        return effect

    return register


def _storable(what: str, value: str) -> None:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogates (not encodable as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PeelianError(f"{what} holds characters that are not valid Unicode") from None
    if "\x00" in value:
        raise PeelianError(f"{what} cannot contain NUL characters")


def _text(name: str, value: Any, limit: int) -> str:
    """Required text: not blank, within the column, and storable on both backends."""
    if not isinstance(value, str) or not value.strip():
        raise PeelianError(f"a lead's {name} is required")
    value = value.strip()
    if len(value) > limit:
        raise PeelianError(f"a lead's {name} is at most {limit:,} characters")
    _storable(f"a lead's {name}", value)
    return value


def _json(name: str, value: Any) -> Any:
    """Stored as JSON on both backends, so it must survive a strict round trip."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise PeelianError(f"a lead's {name} must be plain JSON: {exc}") from None
    _storable(f"a lead's {name}", text)
    return json.loads(text)


def _lead_id(lead_id: Any) -> str:
    """An id that cannot name a lead is simply not found (and never reaches the database)."""
    if not isinstance(lead_id, str) or not 0 < len(lead_id) <= 40 or "\x00" in lead_id:
        raise NotFound(f"no lead {str(lead_id)[:60]!r}")
    return lead_id


def propose(
    engine: Engine,
    lead_type: str,
    title: str,
    explanation: str,
    provenance: dict[str, Any],
    subjects: list[Any] | dict[str, Any],
    score: float,
    created_by: str,
) -> str:
    """Record an open lead for people to judge; returns its id."""
    with engine.begin() as conn:
        return propose_in(conn, lead_type, title, explanation, provenance, subjects, score, created_by)


def propose_in(
    conn: Connection,
    lead_type: str,
    title: str,
    explanation: str,
    provenance: dict[str, Any],
    subjects: list[Any] | dict[str, Any],
    score: float,
    created_by: str,
) -> str:
    """``propose`` in the caller's transaction, so leads commit or roll back with what made them.

    ``provenance`` names what produced the lead and from what, e.g. ``{"model": "kde-hotspot",
    "version": "1.2", "inputs": {"events": ["ev_..."]}}``; ``subjects`` are the references the
    lead is about, e.g. ``[{"type": "person", "id": "pe_..."}]``.
    """
    if not isinstance(lead_type, str) or not _TYPE.match(lead_type):
        raise PeelianError("a lead type is lower-case letters, digits, '_', '.', '-' (up to 40)")
    title = _text("title", title, 200)
    explanation = _text("explanation", explanation, 20_000)
    created_by = _text("creator", created_by, 80)
    if not isinstance(provenance, dict) or not str(provenance.get("model") or "").strip():
        raise PeelianError("a lead's provenance must be a JSON object naming the 'model' that produced it")
    if not isinstance(subjects, list | dict):
        raise PeelianError("a lead's subjects must be a JSON list or object")
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise PeelianError("a lead's score must be a finite number")
    lead_id = f"ld_{uuid.uuid4().hex[:24]}"
    row = {
        "id": lead_id, "lead_type": lead_type, "title": title, "explanation": explanation,
        "provenance": _json("provenance", provenance), "subjects": _json("subjects", subjects),
        "score": float(score), "status": "open", "created_at": datetime.now(UTC), "created_by": created_by,
    }  # fmt: skip
    conn.execute(leads.insert().values(**row))
    audit.append(conn, created_by, "leads.propose", details={
        "lead_id": lead_id, "lead_type": lead_type, "title": title, "score": row["score"],
        "model": provenance.get("model"), "version": provenance.get("version"),
    })  # fmt: skip
    return lead_id


def held(engine: Engine, lead_type: str, key: str = "person") -> set[str]:
    """The ``key`` subjects of ``lead_type`` leads still open or accepted: a refresh that finds
    someone again must not queue a second lead for people to judge twice."""
    query = select(leads.c.subjects).where(
        leads.c.lead_type == lead_type, leads.c.status.in_(("open", "accepted"))
    )
    with engine.connect() as conn:
        return {str(s[key]) for (s,) in conn.execute(query) if isinstance(s, dict) and s.get(key)}


def judge(
    engine: Engine,
    lead_id: str,
    decision: str,
    reason: str,
    user: str,
    purpose: str | None = None,
    case_ref: str | None = None,
) -> None:
    """Accept or reject a lead, with a reason. Reversing an earlier decision is an override.

    Judging a lead the same way twice is refused (it would add nothing and skew the rates).
    """
    if decision not in DECISIONS:
        raise PeelianError("a decision is 'accept', 'reject' or 'unsure'")
    if not isinstance(reason, str) or not reason.strip():
        raise PeelianError("give a reason for the decision: it is kept with the lead and in the audit trail")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise PeelianError(f"a reason is at most {MAX_REASON:,} characters")
    _storable("a reason", reason)
    if not isinstance(user, str) or not user.strip() or len(user) > 80:
        raise PeelianError("a judgement names the person who made it (up to 80 characters)")
    lead_id, status, now = _lead_id(lead_id), DECISIONS[decision], datetime.now(UTC)
    with engine.begin() as conn:
        current = conn.execute(select(leads).where(leads.c.id == lead_id)).first()
        if current is None:
            raise NotFound(f"no lead {lead_id!r}")
        if current.status == status:
            raise PeelianError(f"lead {lead_id} is already {status}")
        # Only if nobody judged it in the meantime: two reviewers racing cannot both count as first.
        changed = conn.execute(
            update(leads)
            .where(leads.c.id == lead_id, leads.c.status == current.status)
            .values(status=status, decided_at=now, decided_by=user)
        ).rowcount
        if changed != 1:
            raise PeelianError(f"lead {lead_id} was judged by someone else just now: reload and look again")
        overrides = current.status in ("accepted", "rejected")
        conn.execute(
            judgements.insert().values(
                lead_id=lead_id, decision=decision, reason=reason, decided_by=user, decided_at=now,
                overrides_previous=overrides,
            )
        )  # fmt: skip
        effect = _EFFECTS.get(current.lead_type)
        if effect is not None:
            effect(conn, dict(current._mapping), status, user)
        audit.append(conn, user, f"leads.{decision}", details={
            "lead_id": lead_id, "lead_type": current.lead_type, "previous": current.status,
            "overrides_previous": overrides, "reason": reason,
        }, purpose=purpose, case_ref=case_ref)  # fmt: skip


def _where(query, status: str | None, lead_type: str | None):
    if status is not None:
        if status not in STATUSES:
            raise PeelianError(f"a lead's status is one of {', '.join(STATUSES)}")
        query = query.where(leads.c.status == status)
    if lead_type:
        query = query.where(leads.c.lead_type == lead_type)
    return query


def queue(
    engine: Engine,
    status: str | None = "open",
    lead_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Leads in a status (``None``: every status), strongest score first within the page."""
    query = _where(select(leads), status, lead_type)
    query = query.order_by(leads.c.score.desc(), leads.c.created_at, leads.c.id).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count(engine: Engine, status: str | None = "open", lead_type: str | None = None) -> int:
    with engine.connect() as conn:
        return conn.execute(_where(select(func.count()).select_from(leads), status, lead_type)).scalar_one()


def get(engine: Engine, lead_id: str) -> dict[str, Any]:
    """One lead with every judgement on it, oldest first."""
    lead_id = _lead_id(lead_id)
    with engine.connect() as conn:
        row = conn.execute(select(leads).where(leads.c.id == lead_id)).first()
        if row is None:
            raise NotFound(f"no lead {lead_id!r}")
        history = conn.execute(
            select(judgements).where(judgements.c.lead_id == lead_id).order_by(judgements.c.id)
        )
        return dict(row._mapping) | {"judgements": [dict(j._mapping) for j in history]}


def history(engine: Engine, lead_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The judgements on several leads at once, oldest first: what a reviewer reads before reversing."""
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in lead_ids}
    if not lead_ids:
        return found
    query = select(judgements).where(judgements.c.lead_id.in_(lead_ids)).order_by(judgements.c.id)
    with engine.connect() as conn:
        for row in conn.execute(query):
            found[row.lead_id].append(dict(row._mapping))
    return found


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rates(engine: Engine) -> list[dict[str, Any]]:
    """Per lead type: how many were proposed, where they stand, and how often people disagree.

    ``rejection_rate`` is rejected / decided leads (current status); ``override_rate`` is the
    share of judgements that reversed an earlier one. Rates are ``None`` until there is a decision.
    """
    by_status = select(leads.c.lead_type, leads.c.status, func.count().label("n")).group_by(
        leads.c.lead_type, leads.c.status
    )
    by_judgement = (
        select(
            leads.c.lead_type,
            func.count().label("judgements"),
            func.sum(case((judgements.c.overrides_previous, 1), else_=0)).label("overrides"),
        )
        .select_from(judgements.join(leads, leads.c.id == judgements.c.lead_id))
        .group_by(leads.c.lead_type)
    )
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for lead_type, status, n in conn.execute(by_status):
            entry = found.setdefault(lead_type, {"lead_type": lead_type, "proposed": 0, "judgements": 0,
                                                 "overrides": 0} | dict.fromkeys(STATUSES, 0))  # fmt: skip
            entry[status] = n
            entry["proposed"] += n
        for lead_type, made, overrides in conn.execute(by_judgement):
            found[lead_type]["judgements"], found[lead_type]["overrides"] = made, int(overrides or 0)
    out = []
    for lead_type in sorted(found):
        entry = found[lead_type]
        entry["override_rate"] = _rate(entry["overrides"], entry["judgements"])
        entry["rejection_rate"] = _rate(entry["rejected"], entry["accepted"] + entry["rejected"])
        out.append(entry)
    return out

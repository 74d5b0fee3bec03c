"""Leads and judgements on both backends: nothing actionable without a person and a reason."""

import pytest

from peelian.errors import NotFound, PeelianError
from peelian.governance import audit, leads

PROVENANCE = {"model": "kde-hotspot", "version": "1.0", "inputs": {"events": ["ev_1", "ev_2"]}}


def _propose(store, lead_type="hotspot", score=0.8, title="Burglary hotspot, Camden Town"):
    return leads.propose(
        store, lead_type, title, "Eight burglaries within 200 m in four weeks; the model expects more.",
        PROVENANCE, [{"type": "area", "id": "ar_1"}], score, "model:kde-hotspot",
    )  # fmt: skip


def _actions(store) -> list[str]:
    return [e["action"] for e in audit.entries(store, viewer="nobody")]


def test_propose_records_an_open_lead_with_its_provenance(store):
    lead_id = _propose(store)
    lead = leads.get(store, lead_id)
    assert lead["status"] == "open" and lead["judgements"] == []
    assert lead["provenance"] == PROVENANCE and lead["subjects"] == [{"type": "area", "id": "ar_1"}]
    assert lead["created_by"] == "model:kde-hotspot" and lead["created_at"].tzinfo is not None
    assert [r["id"] for r in leads.queue(store)] == [lead_id]
    assert _actions(store) == ["leads.propose"]


@pytest.mark.parametrize(
    "change",
    [
        {"provenance": {"inputs": []}},
        {"provenance": ["not", "an", "object"]},
        {"score": float("nan")},
        {"title": "  "},
        {"lead_type": "Not A Type"},
        {"subjects": "pe_1"},
        {"explanation": "nul \x00 byte"},
        {"title": "lone \ud800 surrogate"},
        {"provenance": {"model": "m", "inputs": ["\udfff"]}},
    ],
)
def test_propose_refuses_leads_that_cannot_be_checked(store, change):
    args = {"lead_type": "hotspot", "title": "t", "explanation": "why", "provenance": PROVENANCE,
            "subjects": [], "score": 1.0, "created_by": "model:x"} | change  # fmt: skip
    with pytest.raises(PeelianError):
        leads.propose(store, **args)
    assert leads.count(store, None) == 0


def test_accept_with_a_reason_makes_it_actionable(store):
    lead_id = _propose(store)
    leads.judge(store, lead_id, "accept", "  Matches the patrol team's own picture.  ", "ann")
    lead = leads.get(store, lead_id)
    assert lead["status"] == "accepted" and lead["decided_by"] == "ann"
    (judgement,) = lead["judgements"]
    assert judgement["reason"] == "Matches the patrol team's own picture."
    assert judgement["decision"] == "accept" and judgement["overrides_previous"] is False
    assert leads.queue(store) == [] and [r["id"] for r in leads.queue(store, "accepted")] == [lead_id]


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_blank_reason_is_refused(store, reason):
    lead_id = _propose(store)
    with pytest.raises(PeelianError, match="reason"):
        leads.judge(store, lead_id, "accept", reason, "ann")
    lead = leads.get(store, lead_id)
    assert lead["status"] == "open" and lead["judgements"] == []
    assert _actions(store) == ["leads.propose"]


def test_other_refusals(store):
    lead_id = _propose(store)
    with pytest.raises(PeelianError, match="at most"):
        leads.judge(store, lead_id, "accept", "x" * 2001, "ann")
    with pytest.raises(PeelianError, match="accept"):
        leads.judge(store, lead_id, "maybe", "unsure", "ann")
    for missing in ("ld_missing", "ld_\x00", "x" * 500):
        with pytest.raises(NotFound):
            leads.judge(store, missing, "accept", "reason", "ann")
        with pytest.raises(NotFound):
            leads.get(store, missing)
    with pytest.raises(PeelianError, match="NUL"):
        leads.judge(store, lead_id, "accept", "nul \x00", "ann")
    leads.judge(store, lead_id, "reject", "Already known to the team.", "ann")
    with pytest.raises(PeelianError, match="already rejected"):
        leads.judge(store, lead_id, "reject", "Again.", "bob")


def test_reject_then_accept_counts_as_an_override(store):
    lead_id = _propose(store)
    leads.judge(store, lead_id, "reject", "Looks like double-counted reports.", "ann")
    leads.judge(store, lead_id, "accept", "Checked: the reports are distinct.", "sam")
    lead = leads.get(store, lead_id)
    assert lead["status"] == "accepted" and lead["decided_by"] == "sam"
    assert [(j["decision"], j["overrides_previous"]) for j in lead["judgements"]] == [
        ("reject", False),
        ("accept", True),
    ]
    other = _propose(store)
    found = leads.history(store, [lead_id, other])
    assert [j["decided_by"] for j in found[lead_id]] == ["ann", "sam"] and found[other] == []


def test_rates_per_lead_type(store):
    hotspots = [_propose(store, score=s) for s in (0.9, 0.5, 0.4, 0.1)]
    match = _propose(store, "entity_match", title="Possible match: J Smith / John Smith")
    leads.judge(store, hotspots[0], "accept", "Fits local knowledge.", "ann")
    leads.judge(store, hotspots[1], "reject", "Event over-reported.", "ann")
    leads.judge(store, hotspots[2], "reject", "Stale.", "ann")
    leads.judge(store, hotspots[2], "accept", "Not stale after all.", "sam")
    leads.judge(store, match, "reject", "Different dates of birth.", "ann")
    assert [r["id"] for r in leads.queue(store, None, "hotspot")] == hotspots  # strongest first
    assert leads.rates(store) == [
        {"lead_type": "entity_match", "proposed": 1, "open": 0, "accepted": 0, "rejected": 1, "unsure": 0,
         "judgements": 1, "overrides": 0, "override_rate": 0.0, "rejection_rate": 1.0},
        {"lead_type": "hotspot", "proposed": 4, "open": 1, "accepted": 2, "rejected": 1, "unsure": 0,
         "judgements": 4, "overrides": 1, "override_rate": 0.25, "rejection_rate": 0.3333},
    ]  # fmt: skip


def test_rates_are_none_before_any_decision(store):
    _propose(store)
    (only,) = leads.rates(store)
    assert only["open"] == 1 and only["override_rate"] is None and only["rejection_rate"] is None


def test_every_act_is_audited_and_the_chain_holds(store):
    lead_id = _propose(store)
    leads.judge(store, lead_id, "reject", "Wrong area.", "ann", purpose="intelligence", case_ref="INT-1")
    leads.judge(store, lead_id, "accept", "Right area after all.", "sam")
    trail = list(audit.entries(store, viewer="nobody"))
    assert [(e["actor"], e["action"]) for e in trail] == [
        ("model:kde-hotspot", "leads.propose"),
        ("ann", "leads.reject"),
        ("sam", "leads.accept"),
    ]
    assert trail[1]["details"]["reason"] == "Wrong area." and trail[1]["case_ref"] == "INT-1"
    assert trail[2]["details"]["overrides_previous"] is True and trail[2]["details"]["previous"] == "rejected"
    result = audit.verify(store)
    assert result.ok and result.entries == 3

"""Crime linkage on a store (both backends): burglaries with planted series ingested through the
bundled RMS burglary mapping, the model trained from suspects linked in the store, series proposed
as leads, suggestions for an unsolved crime, and confirmed leads turned into intelligence links."""

import pytest
from sqlalchemy import select

from peelian.db.schema import audit_log, leads, links
from peelian.errors import NotFound, PeelianError
from peelian.governance import leads as governance
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.linkage import SERIES, SUSPECT, service
from peelian.linkage import store as linkage_store
from peelian.synth.series import planted_series, to_rms_csv

CRIMES = 600


@pytest.fixture
def burglaries(store, tmp_path):
    frame = planted_series(CRIMES, seed=3, extent_m=8_000, days=365)
    path = to_rms_csv(frame, tmp_path / "burglary.csv")
    ingest(store, MappedAdapter(load_mapping("force_rms_burglary")), path, 10_000, 10**9)
    return store, frame


def test_store_frame_carries_mo_and_offenders(burglaries):
    engine, frame = burglaries
    loaded = linkage_store.load_frame(engine, "burglary")  # category matched without regard to case
    assert len(loaded) == CRIMES
    assert {"entry_point", "entry_method", "premises_type", "property_taken", "mo_text"} <= set(
        loaded.columns
    )
    solved = loaded["offenders"].map(bool)
    assert solved.sum() == (frame["offender"] != "").sum()
    # one RMS nominal id, one person record: crimes of one offender share the offender id
    by_ref = dict(zip(loaded["natural_key"], loaded["offenders"], strict=True))
    same = frame[frame["offender"] != ""].groupby("offender")["crime_ref"].apply(list)
    multi = [refs for refs in same if len(refs) > 1]
    assert multi and all(len({by_ref[r] for r in refs}) == 1 for refs in multi)


def test_train_series_and_leads(burglaries):
    engine, _ = burglaries
    with pytest.raises(NotFound, match="linkage train"):
        service.find_series(engine, "Burglary", "tester")
    report = service.train(engine, "Burglary", "tester")
    assert report["linked_pairs"] > 20 and report["pairs"] > report["linked_pairs"]
    # nearer crimes link: the distance weight is negative; the same entry method pushes up
    assert report["weights"]["distance"] < 0 and report["weights"]["same_entry_method"] > 0
    found = service.find_series(engine, "Burglary", "tester", strictness=0.3)
    assert found["series"] > 5 and found["proposed"] == found["series"]
    lead = governance.get(engine, found["found"][0]["lead_id"])
    assert lead["lead_type"] == SERIES and lead["provenance"]["model_id"] == report["model_id"]
    assert set(lead["subjects"]["events"]) == set(found["found"][0]["events"])
    again = service.find_series(engine, "Burglary", "tester", strictness=0.3)
    assert again["proposed"] == 0  # the same series is not proposed twice

    detail = service.series_detail(engine, lead["id"])
    assert len(detail["crimes"]) == len(lead["subjects"]["events"]) and detail["pairs"]
    assert detail["pairs"][0]["evidence"][0]["reads"]

    # accepting makes intelligence links; reversing the decision withdraws them, in one transaction each
    governance.judge(engine, lead["id"], "accept", "same rear-window entry, 300 m apart", "analyst")
    with engine.connect() as conn:
        made = conn.execute(select(links).where(links.c.source_key == lead["id"])).all()
    assert len(made) == len(lead["subjects"]["events"]) - 1
    assert {r.role for r in made} == {"same_series"} and {r.source_system for r in made} == {
        "peelian.linkage"
    }
    governance.judge(engine, lead["id"], "reject", "different offenders on review", "supervisor")
    with engine.connect() as conn:
        assert not conn.execute(select(links).where(links.c.source_key == lead["id"])).all()


def test_suggest_for_an_unsolved_crime(burglaries):
    engine, frame = burglaries
    service.train(engine, "Burglary", "tester")
    loaded = linkage_store.load_frame(engine, "Burglary")
    truth = dict(zip(frame["crime_ref"], frame["true_offender"], strict=True))
    solved_offenders = set(frame.loc[frame["offender"] != "", "offender"])
    # an unsolved crime whose true offender has solved crimes elsewhere
    target = next(
        row for row in loaded.itertuples()
        if not row.offenders and truth[row.natural_key] in solved_offenders
    )  # fmt: skip
    with pytest.raises(PeelianError, match="purpose"):
        service.suggest(engine, target.id, "analyst", None, None)
    found = service.suggest(
        engine, target.id, "analyst", "investigation", "OP-1", limit=10, min_probability=0.3
    )
    assert len(found["related"]) == 10 and found["offenders"]
    probabilities = [r["probability"] for r in found["related"]]
    assert probabilities == sorted(probabilities, reverse=True)
    with engine.connect() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "linkage.suggest")).first()
        kinds = (
            conn.execute(select(leads.c.lead_type).where(leads.c.id.in_(found["proposed"]))).scalars().all()
        )
    assert entry.purpose == "investigation" and entry.case_ref == "OP-1" and target.id in entry.details
    assert set(kinds) <= {SERIES, SUSPECT}
    suspect = next((i for i in found["proposed"] if governance.get(engine, i)["lead_type"] == SUSPECT), None)
    assert suspect is not None
    governance.judge(engine, suspect, "accept", "matches the series MO", "analyst")
    with engine.connect() as conn:
        made = conn.execute(select(links).where(links.c.source_key == suspect)).one()
    assert made.role == "linked_suspect" and made.object_id == target.id and made.subject_type == "person"


def test_bad_requests_are_plain_errors(burglaries):
    engine, _ = burglaries
    with pytest.raises(NotFound):
        linkage_store.load_frame(engine, "Robbery")
    with pytest.raises(PeelianError):
        linkage_store.load_frame(engine, "x" * 500)
    with pytest.raises(PeelianError):
        service.suggest(engine, "not-an-id", "analyst", "investigation", "OP-1")
    with pytest.raises(NotFound):
        service.suggest(engine, "ev_" + "0" * 24, "analyst", "investigation", "OP-1")
    service.train(engine, "Burglary", "tester")
    with pytest.raises(PeelianError, match="strictness"):
        service.find_series(engine, "Burglary", "tester", strictness=1.5)

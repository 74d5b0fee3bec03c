"""Harm ranking on a store (both backends): planted organised crime groups ingested through the
bundled co-offending mapping, offenders ranked by harm, refreshes kept with their churn, and each
offender new to the list proposed as a lead for a person to judge."""

import pandas as pd
import pytest
from sqlalchemy import func, select

from peelian.db.schema import audit_log, harm_rankings, persons
from peelian.errors import NotFound, PeelianError
from peelian.governance import leads
from peelian.harm import service
from peelian.harm.store import offences
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.synth.groups import MAPPING, planted_groups, to_rms_csv

PURPOSE = {"purpose": "intelligence", "case_ref": "OP-TEST"}


@pytest.fixture
def groups(store, tmp_path):
    planted = planted_groups(10, seed=4, crimes=500)
    path = to_rms_csv(planted, tmp_path / "cooffending.csv")
    ingest(store, MappedAdapter(load_mapping(MAPPING)), path, 10_000, 10**9)
    return store, planted


def test_offences_one_row_per_offender_and_crime(groups):
    engine, planted = groups
    found = offences(engine)
    crimes = planted.crimes.to_pandas()
    slots = crimes[[f"offender{i}_id" for i in range(1, 5)]].notna().sum(axis=1)
    assert len(found) == slots.sum()
    assert found["event_id"].nunique() == len(crimes)
    assert found["time"].dt.tz is not None and set(found["role"]) == {"offender"}


def test_rank_keeps_refreshes_reports_churn_and_proposes_leads(groups):
    engine, _ = groups
    with pytest.raises(PeelianError, match="purpose"):
        service.rank(engine, "analyst", None, None)
    first = service.rank(engine, "analyst", index="cchi", top=10, propose=True, **PURPOSE)
    assert first["refresh"] and first["churn"] is None and len(first["leads"]) == 10
    harms = [row["harm"] for row in first["top"]]
    assert harms == sorted(harms, reverse=True) and [r["rank"] for r in first["top"]] == list(range(1, 11))
    lead = leads.get(engine, first["leads"][0])
    assert (
        lead["lead_type"] == service.LEAD_TYPE and lead["subjects"]["person"] == first["top"][0]["offender"]
    )
    assert (
        "Cambridge Crime Harm Index" in lead["explanation"]
        and lead["provenance"]["refresh"] == first["refresh"]
    )
    # the explanation's offences add up to the ranked harm
    explained = service.explain(engine, "analyst", offender=first["top"][0]["offender"], **PURPOSE)
    assert explained["harm"] == pytest.approx(first["top"][0]["harm"])
    # a shorter window changes the list: churn is reported, and only newcomers get a lead
    second = service.rank(engine, "analyst", index="cchi", top=10, window_days=120, propose=True, **PURPOSE)
    churn = second["churn"]
    assert churn["previous_refresh"] == first["refresh"]
    assert len(churn["entered"]) == len(churn["left"]) and churn["stayed"] + len(churn["entered"]) == 10
    assert len(second["leads"]) == len(churn["entered"])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(harm_rankings)).scalar() == 2
        actions = [a for (a,) in conn.execute(select(audit_log.c.action))]
    assert actions.count("harm.rank") == 2 and "harm.explain" in actions


def test_ranking_finds_the_planted_heavy_offenders(groups):
    """Leaders commit fewer but graver crimes, core members many: both should outrank the periphery."""
    engine, planted = groups
    found = service.rank(engine, "analyst", method="rfg", top=1000, **PURPOSE)
    ranked = pd.DataFrame(found["top"])
    by_id = offences(engine).drop_duplicates("offender").set_index("offender")["record"]
    natural = ranked["offender"].map(by_id)
    assert natural.notna().all()
    with engine.connect() as conn:
        keys = dict(conn.execute(select(persons.c.id, persons.c.natural_key)).all())
    ranked["person_id"] = natural.map(keys).str.removeprefix("person:")
    ranked = ranked.merge(planted.people[["person_id", "role"]], on="person_id")
    mean_rank = ranked.groupby("role")["rank"].mean()
    assert mean_rank["core"] < mean_rank["peripheral"]


def test_bad_requests(groups):
    engine, _ = groups
    with pytest.raises(PeelianError, match="harm index"):
        service.rank(engine, "analyst", index="nope", **PURPOSE)
    with pytest.raises(PeelianError, match="method"):
        service.rank(engine, "analyst", method="guess", **PURPOSE)
    with pytest.raises(PeelianError, match="top"):
        service.rank(engine, "analyst", top=0, **PURPOSE)
    with pytest.raises(PeelianError, match="no offences"):
        service.explain(engine, "analyst", offender="pe_nobody", **PURPOSE)


def test_empty_store_says_so(store):
    with pytest.raises(NotFound, match="no crimes"):
        service.rank(store, "analyst", **PURPOSE)

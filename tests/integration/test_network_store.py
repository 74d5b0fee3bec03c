"""Association networks on a store (both backends): planted organised crime groups ingested through
the bundled co-offending mapping; edges of every kind with evidence; the planted groups recovered
as communities; key players, change over time, and purpose-bound, audited analysis."""

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import select

from peelian.db.schema import audit_log, persons
from peelian.errors import NotFound, PeelianError
from peelian.governance import leads
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.network import service
from peelian.network.store import read
from peelian.synth.groups import MAPPING, planted_groups, to_rms_csv

PURPOSE = {"purpose": "intelligence", "case_ref": "OP-NET"}


@pytest.fixture
def groups(store, tmp_path):
    planted = planted_groups(8, seed=6, crimes=600)
    ingest(
        store, MappedAdapter(load_mapping(MAPPING)), to_rms_csv(planted, tmp_path / "c.csv"), 10_000, 10**9
    )
    return store, planted


def test_edges_carry_kind_evidence_and_dates(groups):
    engine, _ = groups
    found = read(engine)
    kinds = set(found.edges["kind"])
    assert {"co_offending", "shared_address", "shared_phone", "shared_vehicle"} <= kinds
    co = found.edges[found.edges["kind"] == "co_offending"]
    assert co["evidence"].str.startswith("ev_").all() and co["first_seen"].notna().all()
    assert (found.edges["source"] != found.edges["target"]).all()
    assert found.edges["confidence"].between(0, 1).all()


def test_communities_recover_the_planted_groups(groups, tmp_path):
    engine, planted = groups
    image = tmp_path / "network.png"
    result = service.analyse(engine, "analyst", image=image, top=10, **PURPOSE)
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result["nodes"] > 50 and result["groups"] and result["groups"][0]["key_players"]
    # compare found communities with the planted group of each offender (brokers span two: left out)
    with engine.connect() as conn:
        keys = dict(conn.execute(select(persons.c.id, persons.c.natural_key)).all())
    people = planted.people.set_index("person_id")
    everyone = service.analyse(engine, "analyst", top=500, **PURPOSE)["top"]
    frame = pd.DataFrame(everyone)
    frame["person"] = frame["id"].map(keys).str.removeprefix("person:")
    frame = frame[~frame["person"].map(people["broker"]).astype(bool)]
    truth = frame["person"].map(people["group"])
    assert adjusted_rand_score(truth, frame["community"]) > 0.8
    with engine.connect() as conn:
        actions = [a for (a,) in conn.execute(select(audit_log.c.action))]
    assert actions.count("network.analyse") == 2


def test_change_and_neighbourhood(groups):
    engine, _ = groups
    moved = service.change(engine, "analyst", split=pd.Timestamp("2023-01-01", tz="UTC"), **PURPOSE)
    assert moved["people_before"] > 0 and moved["people_after"] > 0 and 0 < moved["node_jaccard"] <= 1
    top = service.analyse(engine, "analyst", top=1, **PURPOSE)["top"][0]["id"]
    near = service.neighbourhood(engine, top, depth=1)
    distance = {n["data"]["id"]: n["data"]["distance"] for n in near["nodes"]}
    assert near["centre"] == top and distance.pop(top) == 0 and set(distance.values()) == {1}
    direct = {e["data"]["source"] for e in near["edges"]} | {e["data"]["target"] for e in near["edges"]}
    assert set(distance) <= direct  # everyone shown at one step is tied to someone shown
    assert all(e["data"]["kinds"] and 0 < e["data"]["confidence"] <= 1 for e in near["edges"])
    wider = service.neighbourhood(engine, top, depth=2)
    assert len(wider["nodes"]) > len(near["nodes"])
    with pytest.raises(NotFound):
        service.neighbourhood(engine, "pe_nobody")
    with pytest.raises(PeelianError, match="depth"):
        service.neighbourhood(engine, top, depth=9)


def test_view_draws_whole_groups_largest_first(groups):
    engine, _ = groups
    result = service.analyse(engine, "analyst", groups=2, view=40, **PURPOSE)
    nodes = [n["data"] for n in result["elements"]["nodes"]]
    assert len(nodes) == 40
    sizes = [g["size"] for g in result["groups"]]
    shown = pd.Series([n["community"] for n in nodes]).value_counts()
    assert shown.get(0) == min(sizes[0], 40)  # the largest group first, whole if it fits
    ids = {n["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in result["elements"]["edges"])
    assert {p["id"] for g in result["groups"] for p in g["key_players"]} & ids
    finer = service.analyse(engine, "analyst", resolution=5.0, **PURPOSE)
    assert finer["communities"] > result["communities"] and finer["resolution"] == 5.0


def test_key_players_become_leads_once(groups):
    engine, _ = groups
    result = service.analyse(engine, "analyst", key=2, groups=2, **PURPOSE)
    proposed = service.propose_key_players(engine, "analyst", result)
    players = [p["id"] for g in result["groups"] for p in g["key_players"]]
    assert len(proposed) == len(set(players)) > 0
    found = leads.queue(engine, "open", service.LEAD_TYPE)
    assert {lead["subjects"]["person"] for lead in found} == set(players)
    assert all("fragmentation" in lead["explanation"] for lead in found)
    assert service.propose_key_players(engine, "analyst", result) == []  # still open: not proposed again


def test_refusals(groups, store):
    engine, _ = groups
    with pytest.raises(PeelianError, match="purpose"):
        service.analyse(engine, "analyst", None, None)
    with pytest.raises(PeelianError, match="unknown association"):
        service.analyse(engine, "analyst", kinds=["gossip"], **PURPOSE)
    with pytest.raises(PeelianError, match="top"):
        service.analyse(engine, "analyst", top=0, **PURPOSE)

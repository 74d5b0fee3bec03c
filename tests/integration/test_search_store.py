"""The one search box and the profile on a store of synthetic nominals ingested through their
mappings and resolved (both backends): each kind of query, the roll-up to entities, the index kept
current by ingest, and the purpose check and audit entries."""

import re

import pytest
from sqlalchemy import select, text

from peelian.db.schema import audit_log, objects, resolve_members, search_keys, search_records
from peelian.errors import PeelianError
from peelian.resolve import normalise, service
from peelian.search import index, profile, query
from peelian.search import service as search_service
from peelian.synth import nominals
from peelian.synth.load import ingest_nominals

PEOPLE = 300


@pytest.fixture
def searchable(store, tmp_path):
    folder = tmp_path / "nominals"
    nominals.write(nominals.generate(PEOPLE, 11), nominals.prepare(folder))
    ingest_nominals(store, folder, 50_000, 10**9)  # the writer indexes as it goes: no rebuild here
    service.run(store, "person", "tester")
    return store


def _people(engine) -> list[dict]:
    """Person records with a full name, date of birth, postcode and phone, and their entity."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(search_records, resolve_members.c.entity_id)
            .join(resolve_members, resolve_members.c.record_id == search_records.c.record_id)
            .where(search_records.c.record_type == "person", search_records.c.forename.is_not(None),
                   search_records.c.surname.is_not(None), search_records.c.dob.like("____-__-__"))
            .order_by(search_records.c.record_id)
        )  # fmt: skip
        return [dict(r._mapping) for r in rows]


def _top(engine, text_query: str, n: int = 3) -> list[str]:
    return [r["entity_id"] for r in query.search(engine, text_query, limit=n)["results"]]


def _misspell(word: str) -> str:
    """Two neighbouring letters swapped, inside the word."""
    return word[0] + word[2] + word[1] + word[3:] if len(word) > 4 else word + word[-1]


@pytest.mark.slow
def test_each_kind_of_person_query_finds_the_person(searchable):
    people = _people(searchable)
    assert len(people) > 100
    found = {"typo": 0, "transposed": 0, "swapped_dob": 0, "partial_dob": 0, "postcode": 0, "phone": 0}
    tried = dict.fromkeys(found, 0)
    for p in people[:40]:
        forename, surname, dob = p["forename"].split()[0], p["surname"], p["dob"]
        year, month, day = dob.split("-")
        queries = {
            "typo": f"{forename} {_misspell(surname)} {day}/{month}/{year}",
            "transposed": f"{surname} {forename}",
            "partial_dob": f"{surname} {month}/{year}",
        }
        if int(day) <= 12 and day != month:
            queries["swapped_dob"] = f"{forename} {surname} {month}/{day}/{year}"
        if p["postcode"]:
            queries["postcode"] = p["postcode"].replace(" ", "").lower()
        if p["phone"] and p["phone"].startswith("07"):
            queries["phone"] = "+44 " + p["phone"][1:5] + " " + p["phone"][5:]
        for kind, typed in queries.items():
            tried[kind] += 1
            limit = {"postcode": 50, "partial_dob": 10}.get(kind, 3)  # a postcode names a place, not a person
            found[kind] += p["entity_id"] in _top(searchable, typed, limit)
    for kind in found:
        assert tried[kind] >= 5, (kind, tried)
        assert found[kind] / tried[kind] >= 0.9, (kind, found[kind], tried[kind])


@pytest.mark.slow
def test_nickname_and_reasons(searchable):
    people = [p for p in _people(searchable) if p["forename"].split()[0] in ("ROBERT", "WILLIAM", "ELIZABETH",
              "JAMES", "MICHAEL", "RICHARD", "CHRISTOPHER", "DANIEL", "MATTHEW", "KATHERINE")]  # fmt: skip
    assert people, "the generator always names some Roberts and Williams"
    p = people[0]
    nick = {"ROBERT": "Bob", "WILLIAM": "Bill", "ELIZABETH": "Liz", "JAMES": "Jim", "MICHAEL": "Mike",
            "RICHARD": "Dick", "CHRISTOPHER": "Chris", "DANIEL": "Dan", "MATTHEW": "Matt",
            "KATHERINE": "Kate"}[p["forename"].split()[0]]  # fmt: skip
    year, month, day = p["dob"].split("-")
    results = query.search(searchable, f"{nick} {p['surname'].title()} {day}/{month}/{year}")["results"]
    best = results[0]
    assert best["entity_id"] == p["entity_id"]
    assert "forename nickname" in best["reasons"] and "DOB exact" in best["reasons"], best["reasons"]


@pytest.mark.slow
def test_results_roll_up_to_entities_with_records_by_system(searchable):
    with searchable.connect() as conn:
        entity_id, size = conn.execute(text(
            "SELECT entity_id, count(*) FROM resolve_members WHERE entity_type = 'person' "
            "GROUP BY entity_id ORDER BY count(*) DESC, entity_id LIMIT 1"
        )).one()  # fmt: skip
        member = conn.execute(
            select(search_records)
            .join(resolve_members, resolve_members.c.record_id == search_records.c.record_id)
            .where(resolve_members.c.entity_id == entity_id, search_records.c.surname.is_not(None))
        ).first()  # fmt: skip
    assert size >= 3
    results = query.search(searchable, f"{member.forename or ''} {member.surname}", limit=50)["results"]
    rows = [r for r in results if r["entity_id"] == entity_id]
    assert len(rows) == 1, "one row per entity, however many of its records answer"
    assert sum(rows[0]["sources"].values()) == size and rows[0]["resolved"]


@pytest.mark.slow
def test_registrations_references_and_free_text(searchable):
    with searchable.connect() as conn:
        vrm = conn.execute(
            select(objects.c.identifier).where(objects.c.kind == "vehicle").order_by(objects.c.id).limit(1)
        ).scalar()
        ref = conn.execute(
            text("SELECT natural_key FROM events WHERE source_system = 'synth.crime' LIMIT 1")
        ).scalar()
        person = conn.execute(
            select(search_records)
            .where(search_records.c.record_type == "person", search_records.c.text.like("% %"),
                   search_records.c.refs.is_not(None))
            .order_by(search_records.c.rid)
        ).first()  # fmt: skip
    plate = normalise.plate(vrm)
    spaced = plate[:4].lower() + " " + plate[4:].lower()
    look_alike = (
        plate.replace("0", "O").replace("1", "I") if re.search("[01]", plate) else plate.replace("O", "0")
    )
    for typed in (spaced, look_alike, plate[:4]):
        labels = [r["label"] for r in query.search(searchable, typed, limit=20)["results"]]
        assert any(plate in label for label in labels), (typed, labels)
    events = query.search(searchable, ref)["results"]
    assert events and events[0]["entity_type"] == "event" and "reference" in events[0]["reasons"]
    street = " ".join(w for w in person.text.split(",")[0].split() if not w.isdigit())
    texts = query.search(searchable, street, limit=50)["results"]
    assert any(person.record_id in r["matched"] for r in texts), street
    own_ref = person.refs.split(";")[0].strip()
    assert person.record_id in query.search(searchable, own_ref)["results"][0]["matched"]


@pytest.mark.slow
def test_filters_by_type_system_and_date(searchable):
    p = _people(searchable)[0]
    typed = f"{p['forename']} {p['surname']}"
    assert not query.search(searchable, typed, query.Filters(types=("vehicle",)))["results"]
    other = query.Filters(source_systems=("no.such.system",))
    assert not query.search(searchable, typed, other)["results"]
    year = p["seen_at"].year if p["seen_at"] else 2020
    from datetime import date

    later = query.Filters(date_from=date(year + 30, 1, 1))
    assert not query.search(searchable, typed, later)["results"]


@pytest.mark.slow
def test_rebuild_gives_the_index_that_ingest_kept(searchable):
    def keys_now():
        with searchable.connect() as conn:
            return sorted(conn.execute(
                select(search_keys.c.key, search_records.c.record_id).join(
                    search_records, search_records.c.rid == search_keys.c.rid)
            ).all())  # fmt: skip

    incremental = keys_now()
    counts = index.rebuild(searchable)
    assert counts["person"] > PEOPLE and keys_now() == incremental


@pytest.mark.slow
def test_purpose_is_required_and_searches_and_profiles_are_audited(searchable):
    p = _people(searchable)[0]
    with pytest.raises(PeelianError, match="purpose"):
        search_service.find(searchable, p["surname"], query.Filters(), "cli:test", None, None)
    found = search_service.find(searchable, f"{p['forename']} {p['surname']}", query.Filters(), "cli:test",
                                "investigation", "OP-9")  # fmt: skip
    prof = search_service.read_profile(searchable, p["entity_id"], "cli:test", "investigation", "OP-9")
    page = search_service.export_profile(searchable, p["entity_id"], "cli:test", "investigation", "OP-9")
    with searchable.connect() as conn:
        entries = conn.execute(
            select(audit_log.c.action, audit_log.c.purpose, audit_log.c.case_ref, audit_log.c.details)
            .where(audit_log.c.action.like("search.%")).order_by(audit_log.c.seq)
        ).all()  # fmt: skip
    assert [e.action for e in entries] == ["search.query", "search.profile", "search.profile_export"]
    assert all(e.purpose == "investigation" and e.case_ref == "OP-9" for e in entries)
    assert p["record_id"] in entries[0].details and found["results"][0]["entity_id"] == p["entity_id"]
    assert prof["identities"] and p["surname"] in page and "<script" not in page


@pytest.mark.slow
def test_profile_assembles_every_source(searchable):
    with searchable.connect() as conn:
        entity_id = conn.execute(text(
            "SELECT m.entity_id FROM resolve_members m JOIN persons p ON p.id = m.record_id "
            "GROUP BY m.entity_id ORDER BY count(DISTINCT p.source_system) DESC, m.entity_id LIMIT 1"
        )).scalar()  # fmt: skip
    found = profile.assemble(searchable, entity_id)
    assert len(found["summary"]["sources"]) >= 2
    assert {v for i in found["identities"] for v in i["sources"]} == set(found["summary"]["sources"])
    assert found["timeline"] == sorted(found["timeline"], key=lambda e: e["time_from"], reverse=True)
    assert found["places"] and all(-10 < pl["lon"] < 3 for pl in found["places"])
    assert found["resolution"]["pairs"], "a multi-record entity shows the pairs that joined it"
    for associate in found["associates"]:
        assert associate["entity_id"] != entity_id and associate["evidence"]
    record = found["records"][0]["record_id"]
    assert (
        profile.assemble(searchable, record)["entity"]["id"] == entity_id
    )  # a record answers with its entity
    with pytest.raises(PeelianError):
        profile.assemble(searchable, "pp_000000000000")

"""The search benchmark's corpus on a tiny scale: rows where ingest would put them, the truth as
resolved entities, and the query mix."""

from collections import Counter

import pytest
import sqlalchemy as sa

from benchmarks.search_corpus import QUERY_MIX, SYSTEMS, Corpus, build, queries
from peelian.db import make_engine

PERSONS, RECORDS = 300, 1_500


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return build(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}", PERSONS, RECORDS, seed=3)


@pytest.fixture(scope="module")
def conn(corpus):
    engine = make_engine(corpus.url)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def scalar(conn, sql: str):
    return conn.execute(sa.text(sql)).scalar()


def test_one_person_row_and_one_event_per_record_in_six_systems(corpus, conn):
    assert scalar(conn, "SELECT count(*) FROM persons") == RECORDS
    assert scalar(conn, "SELECT count(*) FROM events") == RECORDS
    assert scalar(conn, "SELECT count(DISTINCT source_system) FROM events") == len(SYSTEMS)
    assert scalar(conn, "SELECT count(*) FROM event_search_keys") == RECORDS  # indexed for word search
    for table in ("persons", "events", "objects", "links", "resolve_entities", "resolve_members"):
        assert scalar(conn, f"SELECT count(*) FROM {table}") == corpus.counts[table], table
    assert scalar(conn, "SELECT count(*) FROM source_records") == 0


def test_every_person_record_belongs_to_exactly_one_entity(corpus, conn):
    unresolved = scalar(
        conn,
        "SELECT count(*) FROM persons p WHERE (SELECT count(*) FROM resolve_members m "
        "WHERE m.entity_type = 'person' AND m.record_id = p.id) != 1",
    )
    assert unresolved == 0
    sizes = scalar(conn, "SELECT sum(size) FROM resolve_entities WHERE entity_type = 'person'")
    assert sizes == RECORDS
    assert set(corpus.people["entity_id"]) == set(
        conn.execute(sa.text("SELECT id FROM resolve_entities WHERE entity_type = 'person'")).scalars()
    )
    vehicles = scalar(conn, "SELECT count(*) FROM objects o JOIN resolve_members m ON m.record_id = o.id")
    assert vehicles == scalar(conn, "SELECT count(*) FROM objects") > 0


def test_links_point_at_rows_that_exist(conn):
    tables = {"person": "persons", "event": "events", "object": "objects"}
    for end in ("subject", "object"):
        for kind, table in tables.items():
            dangling = scalar(
                conn,
                f"SELECT count(*) FROM links l WHERE l.{end}_type = '{kind}' "
                f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = l.{end}_id)",
            )
            assert dangling == 0, (end, kind)
    assert scalar(conn, "SELECT count(*) FROM links WHERE role = 'owner'") > 0


def test_sample_records_are_the_peoples_own(corpus, conn):
    sample = corpus.people.iloc[0]
    entity = scalar(conn, f"SELECT entity_id FROM resolve_members WHERE record_id = '{sample['record_id']}'")
    assert entity == sample["entity_id"]


def test_queries_follow_the_mix_and_the_seed(corpus):
    first = queries(corpus, n=200, seed=5)
    assert first == queries(corpus, n=200, seed=5)
    assert first != queries(corpus, n=200, seed=6)
    counts = Counter(q.kind for q in first)
    assert sum(counts.values()) == 200 and set(counts) == set(QUERY_MIX)
    for kind, share in QUERY_MIX.items():
        assert abs(counts[kind] - 200 * share) < 1, kind
    people = set(corpus.people["entity_id"])
    vehicles = set(corpus.people["vehicle_entity"].dropna())
    for q in first:
        assert q.expected_entity in (vehicles if q.kind.startswith("plate") else people)
        assert q.text.strip()

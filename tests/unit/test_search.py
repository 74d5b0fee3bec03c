"""Word search over events on both backends: what matches, in what order, and that the index
follows every write (SQLite's is kept by triggers, PostgreSQL's is an expression index)."""

from datetime import date

import pytest
from sqlalchemy import delete, insert, select, text, update

from peelian.db.schema import events
from peelian.pole import search
from peelian.pole.queries import EventFilter, find_events
from tests.unit.test_police_uk import row, run, write


def keys(rows: list[dict]) -> list[str]:
    return [r["natural_key"] for r in rows]


@pytest.fixture
def streets(store, tmp_path):
    run(store, write(tmp_path / "may", [
        row("may-high-road", month="2015-05", location="On or near High Road"),
        row("may-shop", month="2015-05", location="On or near Supermarket", outcome="Unable to prosecute"),
    ], month="2015-05"))  # fmt: skip
    run(store, write(tmp_path / "june", [
        row("june-high-street", month="2015-06", location="On or near High Street"),
        row("june-kings", month="2015-06", location="On or near King'S Road"),
        row("june-3", month="2015-06", location="On or near Café Row"),
    ], month="2015-06"))  # fmt: skip
    return store


def test_words_are_letters_and_digits_with_an_optional_star():
    assert search.words("King'S Road") == [search.Word("king"), search.Word("road")]
    assert search.words("HIG* street") == [search.Word("hig", True), search.Word("street")]
    assert search.words("a b") == [search.Word("a"), search.Word("b")]  # all one letter: kept
    assert search.words("'; DROP TABLE events; --") == [search.Word("drop"), search.Word("table"),
                                                        search.Word("events")]  # fmt: skip
    assert search.words('" OR 1=1 NEAR(') == [search.Word("or"), search.Word("near")]
    assert search.words("_*()") == []


def test_every_word_must_match_whole_and_newest_comes_first(streets):
    total, rows = find_events(streets, EventFilter(text="high"))
    assert total == 2 and keys(rows) == ["june-high-street", "may-high-road"]
    total, rows = find_events(streets, EventFilter(text="HIGH street"))
    assert (total, keys(rows)) == (1, ["june-high-street"])
    assert find_events(streets, EventFilter(text="hig"))[0] == 0  # whole words unless a star says otherwise
    assert keys(find_events(streets, EventFilter(text="hig*"))[1]) == ["june-high-street", "may-high-road"]
    assert keys(find_events(streets, EventFilter(text="King's Road"))[1]) == ["june-kings"]


def test_outcome_category_and_source_key_are_searched(streets):
    assert keys(find_events(streets, EventFilter(text="unable prosecute"))[1]) == ["may-shop"]
    assert find_events(streets, EventFilter(text="burglary"))[0] == 5
    assert keys(find_events(streets, EventFilter(text="june-kings"))[1]) == ["june-kings"]


def test_words_combine_with_dates_and_areas(streets):
    june = EventFilter(text="high", date_from=date(2015, 6, 1), date_to=date(2015, 6, 30))
    assert keys(find_events(streets, june)[1]) == ["june-high-street"]
    may = EventFilter(text="high", date_to=date(2015, 5, 31))
    assert keys(find_events(streets, may)[1]) == ["may-high-road"]
    assert find_events(streets, EventFilter(text="high", area_code="E01004736"))[0] == 2
    assert find_events(streets, EventFilter(text="high", area_code="E09999999"))[0] == 0


def test_common_words_take_the_plan_that_walks_newest_first(streets):
    """With more matches than the cap, the other filter's index drives; the answer is the same."""
    with streets.connect() as conn:
        where = EventFilter(text="burglary", area_code="E01004736", date_from=date(2015, 6, 1))
        total, rows = search.find(conn, [events.c.natural_key], where, None, 10, 0, cap=1)
    assert total == 2  # capped at cap + 1
    assert set(keys(rows)) == {"june-high-street", "june-kings", "june-3"}


def test_hostile_text_is_only_words(streets):
    for hostile in ("'; DROP TABLE events; --", '" OR 1=1 --', "NEAR(high street)", "*", "high AND",
                    "street:* | road", "\x00\x1f", "x" * 100):  # fmt: skip
        total, rows = find_events(streets, EventFilter(text=hostile))
        assert total == len(rows)
    assert find_events(streets, EventFilter())[0] == 5


def test_the_index_follows_updates_and_deletes(streets):
    with streets.begin() as conn:
        conn.execute(
            update(events)
            .where(events.c.natural_key == "june-3")
            .values(location_text="On or near Mill Lane")
        )
    assert find_events(streets, EventFilter(text="cafe"))[0] == 0
    assert keys(find_events(streets, EventFilter(text="mill lane"))[1]) == ["june-3"]
    with streets.begin() as conn:
        conn.execute(delete(events).where(events.c.natural_key == "june-high-street"))
    assert keys(find_events(streets, EventFilter(text="high"))[1]) == ["may-high-road"]
    if streets.dialect.name == "sqlite":
        with streets.begin() as conn:  # FTS5 raises if its index no longer adds up
            conn.execute(text("INSERT INTO event_search (event_search, rank) VALUES ('integrity-check', 0)"))


def test_accents_are_ignored_on_sqlite_and_kept_on_postgresql(streets):
    assert keys(find_events(streets, EventFilter(text="CAFÉ"))[1]) == ["june-3"]
    unaccented = find_events(streets, EventFilter(text="cafe"))[0]
    # FTS5's remove_diacritics folds them; PostgreSQL's 'simple' configuration has no unaccent.
    assert unaccented == (1 if streets.dialect.name == "sqlite" else 0)


def test_events_written_outside_the_ingest_are_indexed_too(streets):
    """The writer indexes its chunks itself; the insert trigger (SQLite) covers every other insert."""
    with streets.begin() as conn:
        row = conn.execute(select(events).where(events.c.natural_key == "june-kings")).one()._asdict()
        conn.execute(insert(events).values(row | {"id": "ev_manual", "natural_key": "manual-1",
                                                  "location_text": "On or near Quarry Lane"}))  # fmt: skip
    assert keys(find_events(streets, EventFilter(text="quarry"))[1]) == ["manual-1"]
    assert keys(find_events(streets, EventFilter(text="king road"))[1]) == ["june-kings"]

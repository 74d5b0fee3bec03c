"""Match counts are reused while the store is unchanged and recounted once an ingest writes."""

from sqlalchemy import func, select

from peelian.db.schema import events
from peelian.pole.queries import CountCache, EventFilter, find_events, store_state
from tests.unit.test_police_uk import row, run, write


def test_counts_are_reused_until_an_ingest_moves_the_store(store, tmp_path):
    counts = CountCache()
    run(store, write(tmp_path / "a", [row("a1"), row("a2")]))
    assert find_events(store, EventFilter(), 1, 0, counts)[0] == 2
    with store.connect() as conn:
        version = store_state(conn).version
    assert counts.get(version, EventFilter()) == 2  # the next page is not counted again
    run(store, write(tmp_path / "b", [row("b1")], month="2015-07"))
    total, rows = find_events(store, EventFilter(), 1, 0, counts)
    assert total == 3 and rows[0]["natural_key"] == "b1"
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 3


def test_words_and_filters_are_counted_apart(store, tmp_path):
    counts = CountCache()
    run(store, write(tmp_path / "a", [row("a1", location="On or near Mill Lane"), row("a2")]))
    assert find_events(store, EventFilter(text="mill"), 50, 0, counts)[0] == 1
    assert find_events(store, EventFilter(text="mill"), 50, 0, counts)[0] == 1  # from the cache
    assert find_events(store, EventFilter(), 50, 0, counts)[0] == 2


def test_the_least_recently_used_count_goes_first():
    counts = CountCache(size=2)
    first, second, third = EventFilter(area_code="A"), EventFilter(area_code="B"), EventFilter(area_code="C")
    counts.get((1,), first)  # a new version empties the cache
    counts.put((1,), first, 1)
    counts.put((1,), second, 2)
    assert counts.get((1,), first) == 1  # now the most recently used
    counts.put((1,), third, 3)
    assert counts.get((1,), second) is None and counts.get((1,), first) == 1
    assert counts.get((2,), first) is None  # another version: nothing carried over

import threading

import pytest
import sqlalchemy as sa

from peelian.errors import PeelianError
from peelian.governance import audit


def _fill(store, n=5):
    with store.begin() as conn:
        for i in range(n):
            audit.append(conn, f"user{i % 2}", "events.search", details={"q": f"query {i}", "returned": i})


def _sql(store, statement: str, **params):
    with store.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_untouched_trail_verifies(store):
    _fill(store)
    result = audit.verify(store)
    assert result.ok and result.entries == 5 and result.head_seq == 5


def test_altered_entry_is_pinpointed(store):
    _fill(store)
    _sql(store, "UPDATE audit_log SET details = :d WHERE seq = 3", d='{"q":"nothing to see","returned":0}')
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 3 and "altered" in result.problem


def test_altered_actor_or_time_is_pinpointed(store):
    _fill(store)
    _sql(store, "UPDATE audit_log SET actor = 'someone_else' WHERE seq = 4")
    assert audit.verify(store).first_bad_seq == 4


def test_deleted_entry_is_pinpointed(store):
    _fill(store)
    _sql(store, "DELETE FROM audit_log WHERE seq = 2")
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 2 and "deleted" in result.problem


def test_reordered_entries_are_pinpointed(store):
    _fill(store)
    _sql(store, "UPDATE audit_log SET seq = -1 WHERE seq = 2")
    _sql(store, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    _sql(store, "UPDATE audit_log SET seq = 3 WHERE seq = -1")
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 2


def test_truncated_tail_is_detected(store):
    _fill(store)
    _sql(store, "DELETE FROM audit_log WHERE seq = 5")
    result = audit.verify(store)
    assert not result.ok and result.first_bad_seq == 5 and "head" in result.problem


def test_nobody_reads_their_own_activity(store):
    _fill(store, 4)
    seen = list(audit.entries(store, viewer="user0"))
    assert {e["actor"] for e in seen} == {"user1"} and seen[0]["details"]["q"] == "query 1"
    with pytest.raises(PeelianError, match="own activity"):
        list(audit.entries(store, viewer="user0", actor="user0"))


def test_concurrent_appends_form_one_chain(store):
    def work(n: int) -> None:
        for i in range(15):
            with store.begin() as conn:
                audit.append(conn, f"worker{n}", "events.view", details={"i": i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = audit.verify(store)
    assert result.ok and result.entries == 60


def test_export_excludes_the_viewer(store, tmp_path):
    _fill(store, 4)
    out = tmp_path / "trail.csv"
    assert audit.export(store, out, viewer="user1") == 2
    text = out.read_text()
    assert "user0" in text and "user1" not in text

"""``peelian leads`` on a real SQLite file."""

import json

from peelian.config import get_settings
from peelian.db import make_engine
from peelian.governance import leads
from tests.unit.test_cli import db_env, invoke  # noqa: F401  (db_env is a fixture)


def test_list_and_rates(db_env):  # noqa: F811
    assert invoke("db", "upgrade").exit_code == 0
    assert "No leads yet." in invoke("leads", "rates").output
    engine = make_engine(get_settings().database_url)
    first = leads.propose(engine, "hotspot", "Cell 12", "Rising burglary.", {"model": "kde", "version": "1"},
                          [{"type": "cell", "id": "12"}], 0.9, "model:kde")  # fmt: skip
    leads.propose(engine, "hotspot", "Cell 40", "Rising theft.", {"model": "kde"}, [], 0.4, "model:kde")
    leads.judge(engine, first, "reject", "Event already policed.", "ann")
    engine.dispose()

    listed = json.loads(invoke("leads", "list", "--json").output)
    assert listed["total"] == 1 and listed["leads"][0]["title"] == "Cell 40"
    everything = invoke("leads", "list", "--status", "all")
    assert everything.exit_code == 0 and "Cell 12" in everything.output and "kde 1" in everything.output
    (rates,) = json.loads(invoke("leads", "rates", "--json").output)
    assert (rates["proposed"], rates["rejected"], rates["rejection_rate"]) == (2, 1, 1.0)
    assert "100%" in invoke("leads", "rates").output
    wrong = invoke("leads", "list", "--status", "pending")
    assert wrong.exit_code == 1 and "status" in wrong.output

"""Accounts and the audit trail from the command line, on a real SQLite file."""

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from peelian.cli import app
from tests.unit.test_cli import db_env, invoke  # noqa: F401  (db_env is a fixture)

runner = CliRunner()


def test_accounts_and_audit_trail(db_env):  # noqa: F811
    assert invoke("db", "upgrade").exit_code == 0
    made = runner.invoke(
        app,
        ["users", "add", "jo.analyst", "--role", "analyst", "--name", "Jo", "--password-stdin", "--json"],
        input="a long enough passphrase\n",
    )  # fmt: skip
    assert made.exit_code == 0 and json.loads(made.output)["totp_uri"] is None
    admin = runner.invoke(
        app, ["users", "add", "sam.admin", "--role", "admin", "--password-stdin", "--json"],
        input="another long passphrase\n",
    )  # fmt: skip
    assert json.loads(admin.output)["totp_uri"].startswith("otpauth://totp/Peelian:sam.admin")
    short = runner.invoke(
        app, ["users", "add", "x", "--role", "analyst", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1 and "12 characters" in short.output
    assert invoke("users", "disable", "jo.analyst").exit_code == 0
    listed = {a["username"]: a for a in json.loads(invoke("users", "list", "--json").output)}
    assert listed["jo.analyst"]["disabled"] and listed["sam.admin"]["totp"]

    issued = invoke("users", "token", "sam.admin", "--label", "nightly export")
    assert issued.exit_code == 0 and issued.output.strip().startswith("pl_")

    verified = json.loads(invoke("audit", "verify", "--json").output)
    assert verified["ok"] and verified["entries"] == 4  # two creations, one disable, one token
    out = db_env.with_name("trail.json")
    assert invoke("audit", "export", str(out), "--as", "sam.admin", "--format", "json").exit_code == 0
    actions = [e["action"] for e in json.loads(out.read_text())]
    assert actions == ["users.create", "users.create", "users.disable", "users.token"]

    engine = sa.create_engine(f"sqlite:///{db_env}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"))
    engine.dispose()
    broken = invoke("audit", "verify")
    assert broken.exit_code == 1 and "broken at entry 2" in broken.output

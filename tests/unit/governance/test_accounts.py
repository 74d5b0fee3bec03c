from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from peelian.db.schema import audit_log
from peelian.errors import PeelianError
from peelian.governance import accounts, audit
from peelian.governance.accounts import AuthenticationFailed

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_sign_in_and_lockout(store):
    accounts.create(store, "Analyst.One", "A. One", PASSWORD, ["analyst"], actor="admin")
    assert accounts.authenticate(store, "analyst.one", PASSWORD, now=T0).roles == ("analyst",)
    for i in range(accounts.MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(store, "analyst.one", "wrong password!!", now=T0 + timedelta(seconds=i))
    with pytest.raises(AuthenticationFailed):  # locked: even the right password is refused
        accounts.authenticate(store, "analyst.one", PASSWORD, now=T0 + timedelta(minutes=9))
    assert accounts.authenticate(store, "analyst.one", PASSWORD, now=T0 + timedelta(minutes=11))
    with store.connect() as conn:
        query = select(audit_log).where(audit_log.c.action == "auth.sign_in").order_by(audit_log.c.seq)
        outcomes = [(r.outcome, r.details) for r in conn.execute(query)]
    assert [o for o, _ in outcomes] == ["allowed"] + ["refused"] * 6 + ["allowed"]
    assert "locked" in outcomes[5][1] and '"locked"' in outcomes[6][1]
    assert audit.verify(store).ok


def test_strong_roles_need_a_second_factor(store):
    _, secret = accounts.create(store, "auditor", "Auditor", PASSWORD, ["auditor"], actor="admin")
    assert secret is not None
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(store, "auditor", PASSWORD, now=T0)
    code = pyotp.TOTP(secret).at(T0)
    assert accounts.authenticate(store, "auditor", PASSWORD, code, now=T0).needs_second_factor


def test_disabled_unknown_and_reset(store):
    accounts.create(store, "officer", "Officer", PASSWORD, ["officer"], actor="admin")
    accounts.set_disabled(store, "officer", True, actor="admin")
    with pytest.raises(AuthenticationFailed, match="sign-in failed"):
        accounts.authenticate(store, "officer", PASSWORD)
    with pytest.raises(AuthenticationFailed, match="sign-in failed"):  # same message for an unknown name
        accounts.authenticate(store, "nobody", PASSWORD)
    accounts.set_disabled(store, "officer", False, actor="admin")
    accounts.reset_password(store, "officer", "a brand new passphrase", actor="admin")
    assert accounts.authenticate(store, "officer", "a brand new passphrase")


def test_bad_account_requests_are_refused(store):
    with pytest.raises(PeelianError, match="12 characters"):
        accounts.create(store, "x", "X", "short", ["analyst"], actor="admin")
    with pytest.raises(PeelianError, match="unknown role"):
        accounts.create(store, "x", "X", PASSWORD, ["superuser"], actor="admin")
    with pytest.raises(PeelianError, match="username"):
        accounts.create(store, "robert'); DROP TABLE users;--", "X", PASSWORD, ["analyst"], actor="admin")
    accounts.create(store, "dup", "D", PASSWORD, ["analyst"], actor="admin")
    with pytest.raises(PeelianError, match="already exists"):
        accounts.create(store, "DUP", "D", PASSWORD, ["analyst"], actor="admin")


def test_a_second_factor_code_works_once(store):
    _, secret = accounts.create(store, "admin", "Admin", PASSWORD, ["admin"], actor="setup")
    code = pyotp.TOTP(secret).at(T0)
    assert accounts.authenticate(store, "admin", PASSWORD, code, now=T0)
    with pytest.raises(AuthenticationFailed):  # replayed within its validity window
        accounts.authenticate(store, "admin", PASSWORD, code, now=T0 + timedelta(seconds=20))
    later = pyotp.TOTP(secret).at(T0 + timedelta(seconds=60))
    assert accounts.authenticate(store, "admin", PASSWORD, later, now=T0 + timedelta(seconds=60))

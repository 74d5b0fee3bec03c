from datetime import UTC, datetime, timedelta

from peelian.governance import accounts, sessions


def test_sessions_expire_after_idle_time_and_tokens_can_be_revoked(store):
    account, _ = accounts.create(store, "analyst", "A", "correct horse battery", ["analyst"], actor="t")
    cookie, csrf = sessions.start(store, account)
    now = datetime.now(UTC)
    principal = sessions.resume(store, cookie, timedelta(minutes=30), now + timedelta(minutes=29))
    assert principal.account.username == "analyst" and principal.csrf_token == csrf
    # activity resets the clock; thirty idle minutes after the last request ends the session
    assert sessions.resume(store, cookie, timedelta(minutes=30), now + timedelta(minutes=58))
    assert sessions.resume(store, cookie, timedelta(minutes=30), now + timedelta(minutes=89)) is None
    assert sessions.resume(store, cookie, timedelta(minutes=30), now + timedelta(minutes=90)) is None
    assert sessions.resume(store, "forged", timedelta(minutes=30)) is None

    token = sessions.issue_token(store, "analyst", "script")
    assert sessions.from_token(store, token).via == "token"
    accounts.set_disabled(store, "analyst", True, actor="t")
    assert sessions.from_token(store, token) is None  # a disabled account's tokens stop working

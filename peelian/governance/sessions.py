"""Signed-in sessions and API tokens: random secrets given out once, stored only as SHA-256."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from peelian.db.schema import api_tokens, users, web_sessions
from peelian.governance.accounts import Account, account_from_row, get

TOUCH_EVERY = timedelta(minutes=1)
PURPOSES = {
    "investigation": "Investigation of an offence",
    "safeguarding": "Safeguarding a person at risk",
    "vetting": "Vetting",
    "intelligence": "Intelligence development",
    "disclosure": "Disclosure to a court or partner",
    "audit": "Audit or oversight",
    "response": "Responding to an incident (set by the officer job view)",
}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking, how they proved it, and the purpose they declared for the current task."""

    account: Account
    via: str  # "session" or "token"
    session_hash: str | None = None
    csrf_token: str | None = None
    purpose: str | None = None
    case_ref: str | None = None


def start(engine: Engine, account: Account) -> tuple[str, str]:
    """A new session: returns the cookie value and its CSRF token."""
    token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            web_sessions.insert().values(
                token_hash=_digest(token),
                user_id=account.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
            )
        )
    return token, csrf


@dataclass(frozen=True)
class Lookup:
    """Who a credential belongs to, and any write the look-up owes (expiring a session, noting a
    use): a web server does the read where it is and only the rare write on a worker thread."""

    principal: Principal | None
    owed: Callable[[], None] | None = None

    def settle(self) -> Principal | None:
        if self.owed:
            self.owed()
        return self.principal


def look_up_session(engine: Engine, token: str, idle: timedelta, now: datetime | None = None) -> Lookup:
    now = now or datetime.now(UTC)
    digest = _digest(token)
    row = _holder(engine, web_sessions, digest)
    if row is None:
        return Lookup(None)
    if row.disabled or now - row.last_seen_at > idle:
        return Lookup(None, lambda: end(engine, digest))
    principal = Principal(account_from_row(row), "session", digest, row.csrf_token, row.purpose, row.case_ref)
    if now - row.last_seen_at > TOUCH_EVERY:  # idle timeout has minute resolution; spare the writes
        return Lookup(principal, lambda: _touch(engine, web_sessions, digest, "last_seen_at", now))
    return Lookup(principal)


def resume(engine: Engine, token: str, idle: timedelta, now: datetime | None = None) -> Principal | None:
    """The session's principal, or None when unknown, idle too long, or the account is disabled."""
    return look_up_session(engine, token, idle, now).settle()


def _holder(engine: Engine, table, digest: str):
    """The credential's row (a session or a token) joined with its user's, or None."""
    with engine.connect() as conn:
        query = select(table, users).join(users, users.c.id == table.c.user_id)
        return conn.execute(query.where(table.c.token_hash == digest)).first()


def _touch(engine: Engine, table, digest: str, column: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.token_hash == digest).values({column: now}))


def end(engine: Engine, session_hash: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == session_hash))


def declare_purpose(engine: Engine, session_hash: str, purpose: str, case_ref: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.token_hash == session_hash)
            .values(purpose=purpose, case_ref=case_ref)
        )


def issue_token(engine: Engine, username: str, label: str) -> str:
    """A bearer token for scripts; shown once."""
    token = "pl_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        row = get(conn, username)
        conn.execute(
            api_tokens.insert().values(
                token_hash=_digest(token),
                user_id=row.id,
                label=label,
                created_at=datetime.now(UTC),
                revoked=False,
            )
        )
    return token


def look_up_token(engine: Engine, token: str) -> Lookup:
    digest = _digest(token)
    row = _holder(engine, api_tokens, digest)
    if row is None or row.revoked or row.disabled:
        return Lookup(None)
    principal, now = Principal(account_from_row(row), "token"), datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        # At most one write a minute per token: a busy script must not queue on the write lock.
        return Lookup(principal, lambda: _touch(engine, api_tokens, digest, "last_used_at", now))
    return Lookup(principal)


def from_token(engine: Engine, token: str) -> Principal | None:
    return look_up_token(engine, token).settle()

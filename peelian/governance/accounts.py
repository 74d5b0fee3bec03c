"""Local accounts: argon2id passwords, lockout after repeated failures, TOTP for strong roles."""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, select, update

from peelian.db.schema import users
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.governance.roles import SECOND_FACTOR_REQUIRED, Role, parse_roles

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=10)
MIN_PASSWORD = 12
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 parameters


class AuthenticationFailed(PeelianError):
    """Deliberately vague: the message never says which of name, password or code was wrong."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    roles: tuple[Role, ...]
    disabled: bool

    @property
    def needs_second_factor(self) -> bool:
        return bool(SECOND_FACTOR_REQUIRED & set(self.roles))


def account_from_row(row) -> Account:
    """An account from any row carrying the users columns."""
    return Account(row.id, row.username, row.display_name, tuple(Role(r) for r in row.roles), row.disabled)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PeelianError(f"a password needs at least {MIN_PASSWORD} characters")


def create(
    engine: Engine, username: str, display_name: str, password: str, roles: list[str], actor: str
) -> tuple[Account, str | None]:
    """Create an account; returns it and, for roles that need one, the new TOTP secret."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise PeelianError("a username is letters, digits, '.', '-' and '_' only")
    parsed = parse_roles(roles)
    _check_password(password)
    now = datetime.now(UTC)
    secret = pyotp.random_base32() if SECOND_FACTOR_REQUIRED & set(parsed) else None
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise PeelianError(f"an account named {username!r} already exists")
        conn.execute(
            users.insert().values(
                username=username, display_name=display_name.strip() or username,
                password_hash=_hasher.hash(password), roles=[r.value for r in parsed], totp_secret=secret,
                failed_attempts=0, disabled=False, created_at=now, password_changed_at=now,
            )
        )  # fmt: skip
        audit.append(conn, actor, "users.create", details={"username": username, "roles": parsed})
        account = account_from_row(conn.execute(select(users).where(users.c.username == username)).one())
    return account, secret


def get(conn: Connection, username: str):
    row = conn.execute(select(users).where(users.c.username == username.strip().lower())).first()
    if row is None:
        raise NotFound(f"no account named {username!r}")
    return row


def set_disabled(engine: Engine, username: str, disabled: bool, actor: str) -> None:
    with engine.begin() as conn:
        row = get(conn, username)
        conn.execute(update(users).where(users.c.id == row.id).values(disabled=disabled))
        audit.append(
            conn, actor, "users.disable" if disabled else "users.enable", details={"username": row.username}
        )


def reset_password(engine: Engine, username: str, password: str, actor: str) -> None:
    """A new password, and the lockout cleared."""
    _check_password(password)
    with engine.begin() as conn:
        row = get(conn, username)
        conn.execute(
            update(users).where(users.c.id == row.id).values(
                password_hash=_hasher.hash(password), failed_attempts=0, locked_until=None,
                password_changed_at=datetime.now(UTC),
            )
        )  # fmt: skip
        audit.append(conn, actor, "users.reset", details={"username": row.username})


def list_accounts(engine: Engine) -> list[dict]:
    query = select(
        users.c.username, users.c.display_name, users.c.roles, users.c.disabled, users.c.locked_until,
        users.c.failed_attempts, (users.c.totp_secret.is_not(None)).label("totp"), users.c.created_at,
    ).order_by(users.c.username)  # fmt: skip
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def authenticate(
    engine: Engine, username: str, password: str, totp_code: str | None = None, now: datetime | None = None
) -> Account:
    """Check a sign-in; every attempt, good or bad, is audited. Five failures lock for ten minutes."""
    now = now or datetime.now(UTC)
    name = (username or "").strip().lower()[:80]
    with engine.begin() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
        reason, step = _refusal(row, password, totp_code, now)
        if reason is None:
            values = {"failed_attempts": 0, "locked_until": None}
            if step is not None:
                values["totp_last_step"] = step
            conn.execute(update(users).where(users.c.id == row.id).values(**values))
            audit.append(conn, row.username, "auth.sign_in", at=now)
            return account_from_row(row)
        if row is not None and reason != "locked":
            failures = row.failed_attempts + 1
            lock = now + LOCKOUT if failures >= MAX_FAILURES else None
            conn.execute(
                update(users).where(users.c.id == row.id).values(
                    failed_attempts=0 if lock else failures, locked_until=lock
                )
            )  # fmt: skip
            if lock:
                reason = "wrong credentials; account locked"
        audit.append(conn, name or "(blank)", "auth.sign_in", "refused", details={"reason": reason}, at=now)
    raise AuthenticationFailed("sign-in failed: check the username, password and code, or try later")


def _refusal(row, password: str, totp_code: str | None, now: datetime) -> tuple[str | None, int | None]:
    """Why the sign-in fails (None if it succeeds), and the TOTP time step the code matched."""
    if row is None:
        _hasher.hash(password or "x")  # same cost as a real check: no timing hint that the name is unknown
        return "unknown user", None
    if row.disabled:
        return "disabled", None
    if row.locked_until is not None and row.locked_until.astimezone(UTC) > now:
        return "locked", None
    try:
        _hasher.verify(row.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return "wrong password", None
    if not row.totp_secret:
        return None, None
    step = _totp_step(row.totp_secret, totp_code or "", now)
    if step is None:
        return "wrong or missing second factor", None
    if row.totp_last_step is not None and step <= row.totp_last_step:
        return "second-factor code already used", None
    return None, step


def _totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step (now, or one either side for clock drift) whose code this is."""
    totp, current = pyotp.TOTP(secret), int(now.timestamp()) // 30
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * 30), code.strip()):
            return step
    return None

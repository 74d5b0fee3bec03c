"""Roles, and which of them must prove a second factor."""

from enum import StrEnum

from peelian.errors import PeelianError


class Role(StrEnum):
    ANALYST = "analyst"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PUBLIC = "public"  # the crime-reporting portal only


# Accounts that can change who has access, or read everyone's trail, must use TOTP.
SECOND_FACTOR_REQUIRED = frozenset({Role.ADMIN, Role.AUDITOR})


def parse_roles(names: list[str]) -> list[Role]:
    roles = []
    for name in names:
        try:
            roles.append(Role(name.strip().lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise PeelianError(f"unknown role {name!r}: choose from {allowed}") from None
    if not roles:
        raise PeelianError("an account needs at least one role")
    return sorted(set(roles))

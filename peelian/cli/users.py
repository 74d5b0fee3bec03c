"""``peelian users``: local accounts (argon2id passwords, roles, TOTP for admins and auditors)."""

import getpass
import sys

import pyotp
import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.governance import accounts, audit, sessions

app = typer.Typer(help="Create, disable and reset local accounts.", no_args_is_help=True)

StdinOption = typer.Option(False, "--password-stdin", help="Read the password from standard input.")


def cli_actor() -> str:
    """Who the audit trail names for work done at the command line."""
    return f"cli:{getpass.getuser()}"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("add")
@handle_errors
def add(
    username: str = typer.Argument(..., help="Sign-in name: letters, digits, '.', '-', '_'"),
    role: list[str] = typer.Option(
        ..., "--role", help="analyst, officer, supervisor, auditor, admin, public"
    ),
    name: str = typer.Option("", "--name", help="Display name"),
    password_stdin: bool = StdinOption,
    as_json: bool = JsonOption,
) -> None:
    """Create an account. Admins and auditors get a TOTP secret to enrol in an authenticator app."""
    account, secret = accounts.create(
        ready_engine(), username, name, _password(password_stdin), role, actor=cli_actor()
    )
    uri = (
        pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name="Peelian") if secret else None
    )
    if as_json:
        print_json({"username": account.username, "roles": account.roles, "totp_uri": uri})
        return
    console.print(f"Created [bold]{account.username}[/] ({', '.join(account.roles)}).")
    if uri:
        console.print(f"Second factor required. Enrol this in an authenticator app:\n{uri}", soft_wrap=True)


@app.command("disable")
@handle_errors
def disable(username: str = typer.Argument(...)) -> None:
    """Stop an account signing in (it stays in the audit trail)."""
    accounts.set_disabled(ready_engine(), username, True, actor=cli_actor())
    console.print(f"Disabled {username}.")


@app.command("enable")
@handle_errors
def enable(username: str = typer.Argument(...)) -> None:
    """Let a disabled account sign in again."""
    accounts.set_disabled(ready_engine(), username, False, actor=cli_actor())
    console.print(f"Enabled {username}.")


@app.command("reset")
@handle_errors
def reset(username: str = typer.Argument(...), password_stdin: bool = StdinOption) -> None:
    """Set a new password and clear any lockout."""
    accounts.reset_password(ready_engine(), username, _password(password_stdin), actor=cli_actor())
    console.print(f"Password reset for {username}; lockout cleared.")


@app.command("list")
@handle_errors
def list_cmd(as_json: bool = JsonOption) -> None:
    """Every account with its roles and state."""
    found = accounts.list_accounts(ready_engine())
    if as_json:
        print_json(found)
        return
    table = Table("username", "name", "roles", "state", "TOTP", title="Accounts")
    for a in found:
        state = "disabled" if a["disabled"] else ("locked" if a["locked_until"] else "active")
        table.add_row(
            a["username"], a["display_name"], ", ".join(a["roles"]), state, "yes" if a["totp"] else ""
        )
    console.print(table)


@app.command("token")
@handle_errors
def token(
    username: str = typer.Argument(..., help="The account the script acts as"),
    label: str = typer.Option(..., "--label", help="What the token is for, e.g. 'nightly export'"),
) -> None:
    """Issue an API bearer token for a script (shown once; stored only as a hash)."""
    eng = ready_engine()
    value = sessions.issue_token(eng, username, label)
    with eng.begin() as conn:
        audit.append(conn, cli_actor(), "users.token", details={"username": username, "label": label})
    console.print(value, highlight=False)

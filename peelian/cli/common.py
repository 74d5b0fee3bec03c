"""What every command shares: settings, the engine, one-line errors, JSON output."""

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from sqlalchemy import Engine

from peelian.config import get_settings
from peelian.db import make_engine, require_current
from peelian.errors import PeelianError

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
    )


def engine() -> Engine:
    return make_engine(get_settings().database_url)


def ready_engine() -> Engine:
    """The configured store, refusing (one line, exit 1) one that is not migrated."""
    eng = engine()
    require_current(eng)
    return eng


def handle_errors(func: Callable) -> Callable:
    """Domain errors become one plain line on stderr and exit code 1; Ctrl-C exits 130."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PeelianError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except ValidationError as exc:  # a PEELIAN_* setting (or .env line) the settings refuse
            for problem in exc.errors():
                name = "PEELIAN_" + "_".join(str(part) for part in problem["loc"]).upper()
                err_console.print(
                    f"[bold red]error:[/] {name}: {problem['msg']}", highlight=False, soft_wrap=True
                )
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print(
                "[yellow]interrupted[/]: committed work is kept; run the command again to finish"
            )
            raise typer.Exit(130) from None

    return wrapper


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")

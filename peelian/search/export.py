"""A profile as one self-contained HTML page for a case file: no scripts, no external assets, a
print style sheet, and a footer naming who exported it, when and for what purpose."""

from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape


@cache
def _environment() -> Environment:
    return Environment(autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def html(profile: dict[str, Any], user: str, purpose: str, case_ref: str) -> str:
    source = resources.files("peelian.data").joinpath("templates/case_file.html").read_text(encoding="utf-8")
    template = _environment().from_string(source)
    return template.render(p=profile, user=user, purpose=purpose, case_ref=case_ref,
                           exported_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))  # fmt: skip

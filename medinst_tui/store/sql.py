"""Named SQL queries from the `queries/` folder, with the filter clause spliced in."""

from __future__ import annotations

import re
from functools import cache

from medinst_tui.paths import resource_dir

WHERE_SLOT = "/*WHERE*/"


@cache
def load(name: str) -> str:
    return (resource_dir("queries") / f"{name}.sql").read_text(encoding="utf-8")


def render(name: str, where: str = "TRUE", **slots: str) -> str:
    text = load(name).replace(WHERE_SLOT, where)
    for key, value in slots.items():
        text = text.replace(f"/*{key.upper()}*/", value)
    return text.strip().rstrip(";")


def statements(name: str) -> list[str]:
    """A script of several statements (schema, maintenance), split for execution one by one."""
    body = re.sub(r"--[^\n]*", "", load(name))  # our scripts hold no "--" inside string literals
    return [s.strip() for s in body.split(";") if s.strip()]

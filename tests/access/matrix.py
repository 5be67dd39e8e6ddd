"""The route x role matrix of docs/access/*.md, read into rules the access tests check.

Each app's file lists every route with the roles allowed and the object rule (format in
``docs/access/README.md``). :func:`load` reads one app's table; :func:`app_routes` lists what the
app really serves (from its route table, so routes hidden from OpenAPI are inventoried too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.routing import Mount, Route

from hanke_libs.auth import Role

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "access"
ROLES = frozenset(r.value for r in Role)
SPECIAL = frozenset({"any", "public"})
OBJECT_RULES = (
    "own implementer",
    "own pilot",
    "own person",
    "aggregates only",
    "no personal data",
    "titles only",
)
# Methods Starlette adds by itself (HEAD beside GET); OPTIONS is answered by the app factory.
IMPLIED = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    roles: frozenset[str]  # role names, or {"any"} / {"public"}
    object_rule: str
    line: int

    def allows(self, role: str | None) -> bool:
        """Whether a caller with only ``role`` (None: no token) may be answered 2xx."""
        if "public" in self.roles:
            return True
        if role is None:
            return False
        return "any" in self.roles or role in self.roles

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


class MatrixError(ValueError):
    pass


_ROW = re.compile(r"^\|(.+)\|\s*$")


def load(app: str) -> dict[tuple[str, str], Rule]:
    """The rules of ``docs/access/<app>.md``, keyed by (method, path)."""
    path = DOCS / f"{app}.md"
    rules: dict[tuple[str, str], Rule] = {}
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _ROW.match(line.strip())
        if not match:
            continue
        cells = [c.strip().strip("`") for c in match.group(1).split("|")]
        if len(cells) != 4 or cells[0].lower() == "method" or set(cells[0]) <= {"-", " ", ":"}:
            continue
        method, route, roles_text, object_rule = cells
        roles = frozenset(r.strip() for r in roles_text.split(",") if r.strip())
        unknown = roles - ROLES - SPECIAL
        if unknown:
            problems.append(f"{path.name}:{number}: unknown roles {sorted(unknown)}")
        if roles & SPECIAL and len(roles) > 1:
            problems.append(f"{path.name}:{number}: 'any'/'public' stand alone")
        rule = Rule(method.upper(), route, roles, object_rule, number)
        if rule.key in rules:
            problems.append(f"{path.name}:{number}: {method} {route} listed twice")
        rules[rule.key] = rule
    if problems:
        raise MatrixError("; ".join(problems))
    return rules


def app_routes(app: FastAPI, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route ``app`` serves, mounted apps included."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Route):
            for method in route.methods or ():
                if method not in IMPLIED:
                    found.add((method, prefix + route.path))
        elif isinstance(route, Mount) and isinstance(route.app, FastAPI):
            found |= app_routes(route.app, prefix + route.path)
    return found

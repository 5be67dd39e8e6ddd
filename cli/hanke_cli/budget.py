"""Budget commands: ``hanke verify-claims`` and the pilots look-up the ledger import needs.

    hanke verify-claims [--project S21894] [--json]   check every frozen payment claim against its rows

The command reads the budget database directly (its URL from ``HANKE_BUDGET_DATABASE_URL`` or the
development default) and exits 1 when any claim differs from its rows.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from hanke_cli import apps
from hanke_cli.console import say
from hanke_libs.auth import Principal, Role, issue_dev_token
from hanke_libs.db import standalone_database
from hanke_libs.peers import PeerClient
from hanke_libs.problems import ProblemError


def add_commands(sub: Any) -> None:
    """Register the budget commands on the ``hanke`` parser's subcommands."""
    p = sub.add_parser(
        "verify-claims", help="check every frozen payment claim against its rows (exit 1 on a difference)"
    )
    p.add_argument("--project", help="only this project's claims (default: every project)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")


def run(args: argparse.Namespace) -> int | None:
    """Run a budget command; None when ``args`` is not one."""
    if args.command == "verify-claims":
        return verify_claims(project=args.project, as_json=args.json)
    return None


def verify_claims(*, project: str | None, as_json: bool) -> int:
    from budget.claims.verify import check_all

    settings = apps.service("budget").settings()

    async def go() -> int:
        async with standalone_database(settings.resolved_database_url()) as db, db.read_session() as session:
            try:
                checks = await check_all(session=session, code=project)
            except ProblemError as exc:
                say("budget", f"verify-claims: {exc.detail}")
                return 2
        bad = [c for c in checks if not c.consistent]
        if as_json:
            print(json.dumps([c.model_dump(mode="json") for c in checks], ensure_ascii=False, indent=2))
        else:
            for c in checks:
                state = "ok" if c.consistent else f"DIFFERS ({len(c.differences)} differences)"
                say(
                    "budget",
                    f"{c.project} claim {c.number} ({c.status}, {c.checked_entries} entries): {state}",
                )
                for d in c.differences[:10]:
                    say("budget", "  " + json.dumps(d, ensure_ascii=False, default=str))
            say("budget", f"{len(checks)} frozen claims checked, {len(bad)} differ from their rows")
        return 1 if bad else 0

    return asyncio.run(go())


@asynccontextmanager
async def cli_pilots() -> AsyncIterator[Any]:
    """The pilots service as the CLI asks it: with ``HANKE_TOKEN``, or in development a token of its own.

    Used by ``hanke import-ledger`` to check the pilots a file names (only when it names any).
    """
    from budget.config import Settings
    from budget.pilots import PeerPilots

    settings = Settings()
    token = os.environ.get("HANKE_TOKEN", "")
    if not token and not settings.is_production:
        token = issue_dev_token(settings, roles=[Role.admin.value], subject=f"cli:{getpass.getuser()}")
    client = PeerClient(
        "pilots", settings.resolved_pilots_url(), timeout_seconds=settings.peer_timeout_seconds
    )
    try:
        yield PeerPilots(client, Principal(subject="cli", roles=frozenset(), token=token))
    finally:
        await client.aclose()

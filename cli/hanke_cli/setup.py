"""Migrating and seeding the services' databases."""

from __future__ import annotations

import asyncio
import time

from hanke_cli.apps import AppSpec
from hanke_cli.console import say
from hanke_libs.db import standalone_database


def migrate(spec: AppSpec) -> None:
    settings = spec.settings()
    url = settings.resolved_database_url()
    started = time.perf_counter()
    say(spec.name, f"migrating {_safe(url)} ...")
    spec.migrate(url)
    say(spec.name, f"schema at head ({time.perf_counter() - started:.1f} s)")


def at_head(spec: AppSpec) -> bool:
    """Whether the service's database is at its newest migration (says which it is at)."""
    from alembic.script import ScriptDirectory

    from hanke_libs.migrations import alembic_config, current_revision

    url = spec.settings().resolved_database_url()
    head = ScriptDirectory.from_config(alembic_config(spec.migrations, spec.name, url)).get_current_head()
    try:
        current = current_revision(url, spec.name)
    except Exception as exc:  # unreachable database: not at head (yet)
        say(spec.name, f"database not reachable ({type(exc).__name__})")
        return False
    say(spec.name, f"database at {current or 'no migration'}, code at {head}")
    return current == head


def seed(spec: AppSpec) -> None:
    seeder = spec.seeder()
    if seeder is None:
        return
    settings = spec.settings()

    async def run() -> list[str]:
        async with standalone_database(
            settings.resolved_database_url(), pgbouncer=settings.db_pgbouncer
        ) as db:
            return await seeder(db)

    loaded = asyncio.run(run())
    say(spec.name, "reference data: " + (", ".join(loaded) if loaded else "up to date"))


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

"""``hanke backup`` / ``hanke restore`` on both backends: a seeded system backed up, wiped (and one
database damaged instead), restored, and every table compared row by row; refusals; retention."""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, MetaData, create_engine, insert, select, text
from sqlalchemy.exc import DBAPIError

from hanke_cli.apps import SERVICES
from hanke_cli.main import main
from hanke_libs.db import standalone_database, sync_url
from hanke_libs.testing import create_pg_database, drop_pg_database

Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def make_system(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., dict[str, str]]]:
    """``make_system("budget", ...)``: those services' databases (default: all), migrated, seeded and
    with a few audited writes, on ``backend``; gives service -> URL."""
    made: list[str] = []

    def make(*names: str) -> dict[str, str]:
        urls: dict[str, str] = {}
        for spec in SERVICES:
            if names and spec.name not in names:
                continue
            if backend == "sqlite":
                urls[spec.name] = f"sqlite:///{tmp_path / 'var' / spec.name}.db"
            else:
                urls[spec.name] = create_pg_database(f"hanke_test_backup_{spec.name}")
                made.append(urls[spec.name])
            monkeypatch.setenv(f"HANKE_{spec.name.upper()}_DATABASE_URL", urls[spec.name])
        assert main(["migrate", *urls]) == 0 and main(["seed", *urls]) == 0
        asyncio.run(audited_writes(urls))
        return urls

    try:
        yield make
    finally:
        for url in made:
            drop_pg_database(url)


async def audited_writes(urls: dict[str, str]) -> None:
    """A few audit entries in every service (text beyond ASCII, decimals, nulls, JSON)."""
    for name, url in urls.items():
        trail = importlib.import_module(f"{name}.db").audit
        async with standalone_database(url) as db, db.write_session() as session:
            for n in range(3):
                changes = {"name": ["Kuopio", "Äänekoski ✓"], "amount": Decimal("1.05") * n, "gone": None}
                await trail.record(
                    session,
                    actor="backup-test",
                    action="update",
                    entity_type="thing",
                    entity_id=n,
                    changes=changes,
                )
            await session.commit()


def snapshot(url: str) -> Snapshot:
    """Every row of every table (the version table too), in a stable order."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn)
            rows: Snapshot = {}
            for table in metadata.sorted_tables:
                keys = list(table.primary_key.columns) or [
                    c for c in table.columns if not isinstance(c.type, JSON)
                ]
                ordered = select(table).order_by(*keys)
                rows[table.name] = [tuple(row) for row in conn.execute(ordered)]
            return rows
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def wipe(url: str, backend: str) -> None:
    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    execute(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")


def test_backup_wipe_restore_gives_back_every_row(
    make_system: Callable[..., dict[str, str]], backend: str, tmp_path: Path
) -> None:
    system = make_system()
    before = {name: snapshot(url) for name, url in system.items()}
    assert all(len(before[name]["audit_entry"]) >= 3 for name in system)
    assert sum(len(rows) for rows in before["budget"].values()) > 30

    out = tmp_path / "backups" / "first"
    assert main(["backup", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["services"]) == set(system)
    for name, entry in manifest["services"].items():
        assert entry["backend"] == backend
        assert (out / entry["file"]).stat().st_size == entry["bytes"] > 0
        assert len(entry["sha256"]) == 64 and entry["migration_head"]
        assert before[name][f"alembic_version_{name}"] == [(entry["migration_head"],)]

    # Budget and pilots wiped; participants damaged: rows gone, an extra table a later version made.
    wipe(system["budget"], backend)
    wipe(system["pilots"], backend)
    execute(
        system["participants"],
        "DELETE FROM framework_item" if "framework_item" in before["participants"] else "SELECT 1",
        "CREATE TABLE added_later (id integer primary key)",
    )
    assert snapshot(system["budget"]) == {}

    assert main(["restore", str(out)]) == 0
    after = {name: snapshot(url) for name, url in system.items()}
    for name in system:
        assert after[name].keys() == before[name].keys(), name
        for table, rows in before[name].items():
            assert after[name][table] == rows, f"{name}.{table} differs after the restore"

    # The restored audit trail is still append-only, and new rows follow the restored ones.
    url = system["budget"]
    with pytest.raises(DBAPIError):
        execute(url, "UPDATE audit_entry SET actor = 'someone else'")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            metadata = MetaData()
            metadata.reflect(conn, only=["audit_entry"])
            audit = metadata.tables["audit_entry"]
            last = max(row[0] for row in before["budget"]["audit_entry"])
            new_id = conn.execute(
                insert(audit)
                .values(
                    occurred_at=before["budget"]["audit_entry"][0][1],
                    actor="t",
                    actor_roles="",
                    action="x",
                    entity_type="x",
                    entity_id="1",
                )
                .returning(audit.c.id)
            ).scalar_one()
    finally:
        engine.dispose()
    assert new_id == last + 1


def test_restore_refuses_a_newer_or_damaged_backup_and_changes_nothing(
    make_system: Callable[..., dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    system = make_system("budget", "pilots")
    out = tmp_path / "b"
    assert main(["backup", "--out", str(out), "budget", "pilots"]) == 0
    execute(system["pilots"], "DELETE FROM audit_entry WHERE 1 = 0")  # harmless; proves the DB is reachable
    changed = snapshot(system["budget"])

    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["services"]["budget"]["migration_head"] = "f00dfeedbeef"
    manifest_path.write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["restore", str(out), "budget", "pilots"]) == 1
    said = capsys.readouterr().out
    assert "f00dfeedbeef" in said and "upgrade Hanke first" in said and "pilots" not in said
    assert main(["restore", str(out), "participants"]) == 1
    assert "participants: not in this backup" in capsys.readouterr().out
    assert main(["restore", str(out), "pilots"]) == 0  # the other service is fine on its own

    manifest["services"]["budget"]["migration_head"] = changed["alembic_version_budget"][0][0]
    manifest_path.write_text(json.dumps(manifest))
    damaged = out / manifest["services"]["budget"]["file"]
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    assert main(["restore", str(out), "budget"]) == 1
    assert "checksum" in capsys.readouterr().out
    assert snapshot(system["budget"]) == changed


def test_retention_keeps_the_newest_backups(
    make_system: Callable[..., dict[str, str]], backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("retention does not depend on the backend: checked on SQLite")
    make_system("pilots")
    parent = tmp_path / "daily"
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        assert main(["backup", "--out", str(parent / day), "--keep", "2", "pilots"]) == 0
        # Later backups in the same second are ordered by their folders' names.
    (parent / "not-a-backup").mkdir()
    assert sorted(p.name for p in parent.iterdir()) == ["2024-01-02", "2024-01-03", "not-a-backup"]
    assert main(["backup", "--out", str(parent / "2024-01-03"), "pilots"]) == 2  # never over a backup


def test_a_backup_from_an_older_version_is_restored_then_migrated(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "sqlite":
        pytest.skip("the migration step after a restore does not depend on the backend: checked on SQLite")
    from alembic.script import ScriptDirectory

    from hanke_libs.migrations import alembic_config, current_revision
    from pilots.db import MIGRATIONS, migrate

    url = f"sqlite:///{tmp_path / 'pilots.db'}"
    monkeypatch.setenv("HANKE_PILOTS_DATABASE_URL", url)
    scripts = ScriptDirectory.from_config(alembic_config(MIGRATIONS, "pilots", url))
    first = [r.revision for r in scripts.walk_revisions()][-1]
    assert first != scripts.get_current_head()
    migrate(url, first)
    assert main(["backup", "--out", str(tmp_path / "old"), "pilots"]) == 0
    assert main(["migrate", "pilots"]) == 0
    assert main(["restore", str(tmp_path / "old"), "pilots"]) == 0
    assert current_revision(url, "pilots") == scripts.get_current_head()

"""``hanke backup`` and ``hanke restore``: every service database into one folder, and back.

A backup folder holds one file per service (``<service>.sqlite3`` or ``<service>.dump``) and
``manifest.json``: when it was made, and per service its backend, file, size, SHA-256 and the
migration head its database was at. Restore checks every file's checksum and refuses a backup whose
migration head this version of Hanke does not know (made by a newer version) before it touches any
database; an older backup is restored and then migrated to the current head. Stop the apps (or
scale them to zero) while restoring.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from hanke_cli.apps import AppSpec
from hanke_cli.console import say
from hanke_cli.setup import migrate
from hanke_libs.backup import BackupError, dump, load, sha256
from hanke_libs.migrations import alembic_config, current_revision

MANIFEST = "manifest.json"
FORMAT = 1


def _head_is_known(spec: AppSpec, revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config(spec.migrations, spec.name, "sqlite://"))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def _default_folder() -> Path:
    return Path.cwd() / "backups" / ("hanke-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))


def backup(specs: list[AppSpec], *, out: Path | None = None, keep: int | None = None) -> int:
    """Back up ``specs``' databases into ``out`` (a new folder); keep the newest ``keep`` there."""
    folder = out or _default_folder()
    if folder.exists() and any(folder.iterdir()):
        say("hanke", f"backup: {folder} exists and is not empty; give a new folder with --out")
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "services": {},
    }
    try:
        for spec in specs:
            url = spec.settings().resolved_database_url()
            head = current_revision(url, spec.name)
            if head is None:
                raise BackupError(f"the {spec.name} database has no migrations applied: run 'hanke migrate'")
            file = dump(url, folder, spec.name)
            manifest["services"][spec.name] = {
                "backend": make_url(url).get_backend_name(),
                "file": file.name,
                "bytes": file.stat().st_size,
                "sha256": sha256(file),
                "migration_head": head,
            }
            say(spec.name, f"backed up to {file} ({file.stat().st_size} bytes, migration {head})")
    except BackupError as exc:
        say("hanke", f"backup failed, nothing kept: {exc}")
        shutil.rmtree(folder, ignore_errors=True)
        return 1
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    say("hanke", f"backup complete: {folder}")
    if keep is not None:
        _prune(folder.parent, keep)
    return 0


def _prune(parent: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` backup folders (those with a manifest) in ``parent``."""
    backups: list[tuple[str, Path]] = []
    for child in parent.iterdir():
        manifest = child / MANIFEST
        if child.is_dir() and manifest.is_file():
            try:
                backups.append((json.loads(manifest.read_text())["created_at"], child))
            except (ValueError, KeyError):
                continue
    backups.sort(key=lambda item: (item[0], item[1].name), reverse=True)
    for _, old in backups[max(keep, 1) :]:
        shutil.rmtree(old)
        say("hanke", f"removed old backup {old}")


def _check(folder: Path, specs: list[AppSpec]) -> tuple[dict[str, Any], list[str]]:
    """The manifest and every reason not to restore ``specs`` from ``folder``."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        return {}, [f"{folder / MANIFEST} cannot be read ({type(exc).__name__}): is this a hanke backup?"]
    if manifest.get("format") != FORMAT:
        return manifest, [f"unknown backup format {manifest.get('format')!r}"]
    problems: list[str] = []
    for spec in specs:
        entry = manifest.get("services", {}).get(spec.name)
        if entry is None:
            problems.append(f"{spec.name}: not in this backup")
            continue
        file = folder / entry["file"]
        if not file.is_file() or sha256(file) != entry["sha256"]:
            problems.append(f"{spec.name}: {entry['file']} is missing or damaged (checksum differs)")
        if not _head_is_known(spec, entry["migration_head"]):
            problems.append(
                f"{spec.name}: the backup is at migration {entry['migration_head']}, which this version of "
                "Hanke does not know (a newer version made it): upgrade Hanke first"
            )
        url = spec.settings().resolved_database_url()
        if make_url(url).get_backend_name() != entry["backend"]:
            problems.append(f"{spec.name}: the backup is of a {entry['backend']} database, the target is not")
    return manifest, problems


def restore(folder: Path, specs: list[AppSpec]) -> int:
    """Restore ``specs``' databases from ``folder``: all checks first, then each database."""
    manifest, problems = _check(folder, specs)
    if problems:
        say("hanke", "restore refused, nothing changed:")
        for problem in problems:
            say("hanke", f"  {problem}")
        return 1
    for spec in specs:
        entry = manifest["services"][spec.name]
        url = spec.settings().resolved_database_url()
        try:
            load(url, folder / entry["file"])
        except BackupError as exc:
            say(spec.name, f"restore failed, this database is unchanged: {exc}")
            return 1
        say(spec.name, f"restored from {entry['file']} (migration {entry['migration_head']})")
        migrate(spec)  # a backup from an older version is brought to the current head
    say("hanke", f"restore complete from {folder} (made {manifest['created_at']})")
    return 0

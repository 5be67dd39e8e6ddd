"""The ``hanke`` command line.

    hanke up                      migrate, seed and run the whole product (what scripts/run calls)
    hanke serve APP               run one app with its workers (containers, Kubernetes)
    hanke backup [SERVICE ...]    back up the services' databases into one folder with a manifest
    hanke restore DIR [SERVICE ...]  restore them from such a folder
    hanke token --role ROLE ...   print a development bearer token
    hanke migrate [SERVICE ...]   build or upgrade the services' databases
    hanke seed [SERVICE ...]      load the reference data
    hanke import-hr ...           import the HR system's export (dry run unless --commit)
    hanke import-ledger FILE ...  import an accounting ledger extract (dry run unless --commit)
    hanke verify-claims ...       check every frozen payment claim against its rows
    hanke report interim ...      write the interim evaluation (PDF, HTML, DOCX or JSON) from live data
    hanke report outbox [--once]  the reminder delivery worker (SMTP when configured, else log lines)

Later admin commands (imports, reports) register here as further subcommands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hanke_cli import apps
from hanke_cli import budget as budget_commands
from hanke_cli.setup import migrate, seed
from hanke_libs.auth import Role, issue_dev_token


def _services(names: list[str]) -> list[apps.AppSpec]:
    if not names:
        return list(apps.SERVICES)
    return [apps.service(n) for n in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hanke", description="Hanke: run a city's funded project.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_up = sub.add_parser("up", help="migrate, seed and start every app (Ctrl-C stops)")
    p_up.add_argument("--json-logs", action="store_true", help="JSON log lines instead of plain text")
    p_up.add_argument("--skip-setup", action="store_true", help="start without migrating or seeding")
    p_up.add_argument(
        "--base-port",
        type=int,
        help="the gateway's port; the services take the next four (default: each app's PORT, or HANKE_BASE_PORT)",
    )

    p_serve = sub.add_parser("serve", help="run one app under uvicorn with its settings' workers")
    p_serve.add_argument("app", choices=[a.name for a in apps.ALL_APPS])
    p_serve.add_argument("--workers", type=int, help="worker processes (default: WORKERS, else one per core)")
    p_serve.add_argument("--host", help="default: the app's HOST setting")
    p_serve.add_argument("--port", type=int, help="default: the app's PORT setting")
    p_serve.add_argument("--access-log", action="store_true", help="uvicorn's access log as well")
    p_serve.add_argument("--http", help="uvicorn's HTTP protocol class (default: the app's own, if any)")

    p_token = sub.add_parser("token", help="print a development bearer token (development mode only)")
    p_token.add_argument(
        "--role", action="append", required=True, choices=[r.value for r in Role], help="repeatable"
    )
    p_token.add_argument("--implementer", help="implementer organisation id (finance), e.g. 0171450-7")
    p_token.add_argument("--subject", default="dev-user", help="the person or client id (sub claim)")
    p_token.add_argument("--name", help="display name")
    p_token.add_argument("--hours", type=float, default=8.0, help="lifetime in hours")

    names = [s.name for s in apps.SERVICES]
    p_migrate = sub.add_parser("migrate", help="build or upgrade databases by their migrations")
    p_migrate.add_argument("services", nargs="*", choices=names + [[]], default=[])
    p_migrate.add_argument(
        "--check", action="store_true", help="change nothing; exit 3 unless every database is at the head"
    )
    p_seed = sub.add_parser("seed", help="load reference and seed data (idempotent)")
    p_seed.add_argument("services", nargs="*", choices=names + [[]], default=[])

    p_backup = sub.add_parser("backup", help="back up service databases (SQLite backup API, pg_dump -Fc)")
    p_backup.add_argument("services", nargs="*", choices=names + [[]], default=[])
    p_backup.add_argument(
        "--out", type=Path, help="the backup's folder (default: backups/hanke-<UTC time> here)"
    )
    p_backup.add_argument(
        "--keep", type=int, help="then keep only the newest KEEP backups in the folder's parent"
    )
    p_restore = sub.add_parser("restore", help="restore service databases from a backup folder")
    p_restore.add_argument("dir", type=Path)
    p_restore.add_argument("services", nargs="*", choices=names + [[]], default=[])

    p_hr = sub.add_parser(
        "import-hr", help="import the HR export (people, org units); dry run unless --commit"
    )
    p_hr.add_argument("--people", type=Path, help="people export, CSV or XLSX")
    p_hr.add_argument("--org-units", type=Path, help="org unit export, CSV or XLSX")
    p_hr.add_argument(
        "--full", action="store_true", help="a full export: people missing from it become inactive"
    )
    p_hr.add_argument("--commit", action="store_true", help="write the changes (default: report only)")
    p_hr.add_argument(
        "--json", action="store_true", help="print the full report as JSON (every employee number)"
    )

    p_ledger = sub.add_parser(
        "import-ledger", help="import a ledger extract (CSV/XLSX); dry run unless --commit"
    )
    p_ledger.add_argument("file", type=Path)
    p_ledger.add_argument("--project", default="S21894", help="project code (default: S21894, IDK)")
    p_ledger.add_argument("--implementer", help="implementer business id (default: the lead implementer)")
    p_ledger.add_argument("--commit", action="store_true", help="write the changes (default: report only)")
    budget_commands.add_commands(sub)

    p_report = sub.add_parser("report", help="reports: documents from live data, the reminder worker")
    report_sub = p_report.add_subparsers(dest="report_command", required=True)
    p_interim = report_sub.add_parser(
        "interim", help="the interim evaluation as of a day, from the live services"
    )
    p_interim.add_argument("--project", default="S21894", help="project code (default: S21894, IDK)")
    p_interim.add_argument("--as-of", required=True, help="the day of the figures, YYYY-MM-DD")
    p_interim.add_argument(
        "--out", type=Path, required=True, help="file to write; its suffix picks the format"
    )
    p_interim.add_argument("--format", choices=["pdf", "html", "docx", "json"], help="overrides the suffix")
    p_interim.add_argument("--lang", choices=["fi", "en"], default="fi")
    p_interim.add_argument(
        "--token",
        help="bearer token to read the services with (default: $HANKE_TOKEN, "
        "or a development project manager's token)",
    )
    p_outbox = report_sub.add_parser("outbox", help="send pending reminders (runs until stopped)")
    p_outbox.add_argument("--once", action="store_true", help="send what is pending now and exit")
    p_outbox.add_argument("--interval", type=float, default=30.0, help="seconds between rounds")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "up":
        from hanke_cli.up import up

        return up(json_logs=args.json_logs, skip_setup=args.skip_setup, base_port=args.base_port)
    if args.command == "serve":
        from hanke_cli.serve import serve

        spec = next(a for a in apps.ALL_APPS if a.name == args.app)
        return serve(
            spec,
            workers=args.workers,
            host=args.host,
            port=args.port,
            access_log=args.access_log,
            http=args.http,
        )
    if args.command == "backup":
        from hanke_cli.backup import backup

        return backup(_services(args.services), out=args.out, keep=args.keep)
    if args.command == "restore":
        from hanke_cli.backup import restore

        return restore(args.dir, _services(args.services))
    if args.command == "token":
        settings = apps.GATEWAY.settings()
        if settings.is_production:
            print("hanke token: development tokens are refused in production mode", file=sys.stderr)
            return 2
        print(
            issue_dev_token(
                settings,
                roles=args.role,
                subject=args.subject,
                implementer=args.implementer,
                name=args.name,
                lifetime_seconds=int(args.hours * 3600),
            )
        )
        return 0
    if args.command == "migrate":
        if args.check:
            from hanke_cli.setup import at_head

            return 0 if all([at_head(spec) for spec in _services(args.services)]) else 3
        for spec in _services(args.services):
            migrate(spec)
        return 0
    if args.command == "import-hr":
        from hanke_cli.imports import import_hr

        return import_hr(args.people, args.org_units, full=args.full, commit=args.commit, as_json=args.json)
    if args.command == "import-ledger":
        from hanke_cli.imports import import_ledger

        return import_ledger(
            args.file, project=args.project, implementer=args.implementer, commit=args.commit
        )
    handled = budget_commands.run(args)
    if handled is not None:
        return handled
    if args.command == "report":
        from hanke_cli import report

        if args.report_command == "interim":
            return report.interim(
                project=args.project,
                as_of=args.as_of,
                out=args.out,
                fmt=args.format,
                lang=args.lang,
                token=args.token,
            )
        return report.outbox(once=args.once, interval=args.interval)
    if args.command == "seed":
        for spec in _services(args.services):
            seed(spec)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""Checks that an OpenAPI document gives complete generated clients, for any test to reuse.

- :func:`python_client_problems`: runs ``openapi-python-client`` (a dev dependency) on the document
  and returns every warning it prints (skipped endpoints, omitted responses, duplicate models).
- :func:`typescript_client_problems`: runs ``openapi-typescript`` (npm, pinned by
  ``tests/typescript/package-lock.json``, installed there by ``npm ci`` when missing) and compiles
  the result with ``tsc --strict``; returns its warnings and errors. Raises :class:`NpmMissing`
  where npm is not installed.
- :func:`documentation_problems`: operations without a written summary and description (or with
  the summary FastAPI derives from the function name, "List Kinds"), duplicate operation ids,
  duplicate schema titles, more than one bearer security scheme.

Each returns a list of human-readable problems; empty means the document is fine.
``tests/gateway/test_openapi_real_clients.py`` applies all three to the merged ``/openapi.json`` of
the real system.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

TYPESCRIPT_DIR = Path(__file__).resolve().parent / "typescript"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


class NpmMissing(RuntimeError):
    pass


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS and isinstance(operation, dict)
    ]


def _write(document: dict[str, Any], directory: Path) -> Path:
    path = directory / "openapi.json"
    path.write_text(json.dumps(document))
    return path


def python_client_problems(document: dict[str, Any], timeout: float = 600) -> list[str]:
    """The warnings ``openapi-python-client generate`` prints for ``document``."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        config = directory / "config.yml"
        config.write_text("post_hooks: []\n")  # no formatter run: only the generator's findings
        generator = Path(sys.executable).with_name("openapi-python-client")
        result = subprocess.run(
            [
                str(generator),
                "generate",
                "--path",
                str(_write(document, directory)),
                "--output-path",
                str(directory / "client"),
                "--meta",
                "none",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
            check=False,
        )
    output = (result.stdout + "\n" + result.stderr).strip()
    problems = [line.strip() for line in output.splitlines() if _is_warning(line)]
    if result.returncode != 0 and not problems:
        problems.append(f"openapi-python-client exited with {result.returncode}: {output[-2000:]}")
    return problems


def _is_warning(line: str) -> bool:
    text = line.strip()
    return text.startswith(("WARNING", "Unable to parse", "Cannot parse", "Could not", "Error", "ERROR")) or (
        "will not be generated" in text or "will be omitted" in text or "duplicate" in text.lower()
    )


def _npm_install() -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing("npm is not installed (Debian: apt-get install -y npm)")
    binary = TYPESCRIPT_DIR / "node_modules" / ".bin" / "openapi-typescript"
    marker = TYPESCRIPT_DIR / "node_modules" / ".package-lock.json"
    lock = TYPESCRIPT_DIR / "package-lock.json"
    if not binary.exists() or not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=TYPESCRIPT_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return binary.parent


def typescript_client_problems(document: dict[str, Any], timeout: float = 600) -> list[str]:
    """Warnings and errors of ``openapi-typescript`` on ``document``, then of ``tsc --strict`` on
    the types it generated."""
    bin_dir = _npm_install()
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        out = directory / "api.d.ts"
        result = subprocess.run(
            [str(bin_dir / "openapi-typescript"), str(_write(document, directory)), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
            check=False,
        )
        output = result.stdout + "\n" + result.stderr
        problems += [line.strip() for line in output.splitlines() if "⚠" in line or "warn" in line.lower()]
        if result.returncode != 0:
            problems.append(f"openapi-typescript exited with {result.returncode}: {output.strip()[-2000:]}")
            return problems
        compiled = subprocess.run(
            [str(bin_dir / "tsc"), "--noEmit", "--strict", str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if compiled.returncode != 0:
            problems.append(f"tsc --strict on the generated types: {compiled.stdout.strip()[-2000:]}")
    return problems


def _generated_summary(operation: dict[str, Any]) -> bool:
    """Whether the summary is the one FastAPI derives from the function name (``List Kinds``
    for ``list_kinds_indicator_kinds_get``)."""
    summary = str(operation.get("summary", ""))
    operation_id = str(operation.get("operationId", ""))
    words = summary.lower().replace(" ", "_")
    return bool(words) and (operation_id.startswith(words + "_") or f"_{words}_" in operation_id)


def documentation_problems(
    document: dict[str, Any], include: Callable[[str], bool] = lambda path: True
) -> list[str]:
    """What a reader or a generator would miss in ``document`` (operations under paths for which
    ``include`` is true; the schema and security checks cover the whole document)."""
    problems: list[str] = []
    for path, method, operation in _operations(document):
        if not include(path):
            continue
        where = f"{method.upper()} {path}"
        if not str(operation.get("summary", "")).strip():
            problems.append(f"{where}: no summary")
        elif _generated_summary(operation):
            problems.append(f"{where}: summary {operation['summary']!r} is generated from the function name")
        if not str(operation.get("description", "")).strip():
            problems.append(f"{where}: no description")
    ids = Counter(op.get("operationId") for _, _, op in _operations(document) if op.get("operationId"))
    problems += [f"operationId {op_id!r} is used {n} times" for op_id, n in ids.items() if n > 1]
    schemas = document.get("components", {}).get("schemas", {})
    titles = Counter(str(s.get("title") or name) for name, s in schemas.items() if isinstance(s, dict))
    problems += [f"schema title {title!r} is used by {n} schemas" for title, n in titles.items() if n > 1]
    schemes = document.get("components", {}).get("securitySchemes", {})
    bearers = [
        n for n, s in schemes.items() if isinstance(s, dict) and str(s.get("scheme")).lower() == "bearer"
    ]
    if len(bearers) > 1:
        problems.append(f"{len(bearers)} bearer security schemes: {bearers}")
    return problems

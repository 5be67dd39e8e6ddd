"""The shell commands the README shows, read from README.md itself, so a test runs them as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def shell_block(after_heading: str) -> list[str]:
    """The lines of the first ```sh block after the heading ``after_heading``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {after_heading}")
    match = re.search(r"```sh\n(.*?)```", text[start:], re.S)
    assert match, f"no sh block after {after_heading!r}"
    return [line for line in match.group(1).splitlines() if line.strip() and not line.startswith("#")]


def token_commands() -> list[str]:
    return [line for line in shell_block("Development tokens") if line.startswith("scripts/hanke token")]


def curl_command() -> str:
    (line,) = [line for line in shell_block("Development tokens") if line.startswith("curl ")]
    return line

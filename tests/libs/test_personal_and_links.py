"""hanke_libs.personal (redaction by role) and hanke_libs.links (public links)."""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel

from hanke_libs.auth import Principal
from hanke_libs.links import is_link_key, map_links, public_url
from hanke_libs.personal import (
    MARKER,
    PersonalField,
    personal_fields,
    redact_for,
    redact_mapping,
    redact_rows,
)
from hanke_libs.settings import AppSettings


class Post(BaseModel):
    text: str | None = PersonalField(description="Written by a person")
    kind: str = "note"


class Pilot(BaseModel):
    title: str
    owner_id: str | None = PersonalField(description="The owner's person id")
    posts: list[Post] = []
    lead: Post | None = None


def _p(*roles: str) -> Principal:
    return Principal(subject="x", roles=frozenset(roles))


def test_personal_fields_are_marked_in_the_schema() -> None:
    schema = Pilot.model_json_schema()
    assert schema["properties"]["owner_id"][MARKER] is True
    assert MARKER not in schema["properties"]["title"]
    assert personal_fields(Pilot) == {"owner_id"}


def test_steering_gets_no_personal_data_at_any_depth() -> None:
    pilot = Pilot(title="T", owner_id="p1", posts=[Post(text="hi")], lead=Post(text="lead"))
    seen = redact_for(_p("steering"), pilot)
    assert seen.title == "T" and seen.owner_id is None
    assert [p.text for p in seen.posts] == [None] and seen.lead is not None and seen.lead.text is None
    assert pilot.owner_id == "p1"  # the original is untouched
    assert redact_for(_p("project_manager"), pilot) is pilot
    assert redact_for(_p("steering", "pilot_owner"), pilot).owner_id == "p1"
    assert redact_for(_p("hr_sync"), pilot).owner_id is None


def test_rows_and_mappings() -> None:
    cols, rows = redact_rows(_p("steering"), ["title", "owner_id"], [("a", "p1")], {"owner_id"})
    assert cols == ["title"] and rows == [["a"]]
    cols, rows = redact_rows(_p("auditor"), ["title", "owner_id"], [("a", "p1")], {"owner_id"})
    assert cols == ["title", "owner_id"] and rows == [["a", "p1"]]
    assert redact_mapping(_p("steering"), {"a": 1, "actor": "x"}, {"actor"}) == {"a": 1}


def test_public_links_come_from_configuration() -> None:
    class Budget(AppSettings):
        def service_name(self) -> str:
            return "budget"

    assert public_url(Budget(), "/projects/S21894/costs?x=1") == "/api/v1/budget/projects/S21894/costs?x=1"
    configured = Budget(public_base_url="https://hanke.kuopio.fi/api/v1/budget/")
    assert public_url(configured, "/p") == "https://hanke.kuopio.fi/api/v1/budget/p"


def _reference_map_links(value: Any, rewrite: Any, drop: frozenset[str]) -> Any:
    """map_links as first written: one call per value."""
    if isinstance(value, dict):
        return {
            k: rewrite(v)
            if is_link_key(k) and isinstance(v, str) and v.startswith("/") and not v.startswith("//")
            else _reference_map_links(v, rewrite, drop)
            for k, v in value.items()
            if k not in drop
        }
    if isinstance(value, list):
        return [_reference_map_links(v, rewrite, drop) for v in value]
    return value


def test_map_links_rewrites_path_absolute_links_under_link_keys_at_any_depth() -> None:
    rng = random.Random(7)
    keys = ["href", "next", "ledger", "report_url", "name", "self_link", "x_href", "email", "items"]
    texts = ["/projects/S1", "//evil.example/x", "https://kuopio.fi/a", "relative/x", "/", "", "ääkköset"]

    def value(depth: int) -> Any:
        kind = rng.randrange(6 if depth < 4 else 3)
        if kind == 0:
            return rng.choice(texts)
        if kind == 1:
            return rng.choice([1, 2.5, None, True, False])
        if kind == 2:
            return rng.choice(texts + ["/a/b"])
        if kind in (3, 4):
            return {rng.choice(keys): value(depth + 1) for _ in range(rng.randrange(5))}
        return [value(depth + 1) for _ in range(rng.randrange(4))]

    def rewrite(link: str) -> str:
        return "/api/v1/budget" + link

    drop = frozenset({"email"})
    for _ in range(500):
        doc = value(0)
        assert map_links(doc, rewrite, drop) == _reference_map_links(doc, rewrite, drop)
    assert map_links({"a": [{"href": "/x", "email": "e"}], "next": "//h/x"}, rewrite, drop) == {
        "a": [{"href": "/api/v1/budget/x"}],
        "next": "//h/x",
    }

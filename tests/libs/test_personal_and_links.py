"""hanke_libs.personal (redaction by role) and hanke_libs.links (public links)."""

from __future__ import annotations

from pydantic import BaseModel

from hanke_libs.auth import Principal
from hanke_libs.links import public_url
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

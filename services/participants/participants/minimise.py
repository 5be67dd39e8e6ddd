"""Data minimisation of the audit trail.

The audit table is append-only, so pseudonymisation cannot reach into it: an audit entry must never
hold a person's personal values in the first place. Entries about people therefore name the fields
that changed and replace their values by ``"<changed>"``; only values that say nothing about who
the person is (the active flag, the org unit id) are kept as ``[old, new]``. Anything not listed as
plain is treated as personal, so a new field is minimised by default. Org unit entries hide their
manager (a person) the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CHANGED = "<changed>"
PERSON_PLAIN = frozenset({"active", "org_unit_id"})
ORG_UNIT_PERSONAL = frozenset({"manager_employee_number", "manager_person_id"})


def person_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A person's ``{field: [old, new]}`` diff with every personal value replaced by ``"<changed>"``."""
    return {key: value if key in PERSON_PLAIN else CHANGED for key, value in changes.items()}


def org_unit_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """An org unit's diff with its manager's identity replaced by ``"<changed>"``."""
    return {key: CHANGED if key in ORG_UNIT_PERSONAL else value for key, value in changes.items()}

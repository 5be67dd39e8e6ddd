"""Who may do what in the budget service: the role gates and the object scope of a caller.

Role gates are FastAPI dependencies (``read_ledger`` ...). The object scope is decided here once
and applied by each concept's repository: a ``finance`` caller reaches only its own implementer's
rows (ledger entries, budget lines, caps, figures, claims' parts); ``steering`` gets aggregates
with no personal data; ``auditor`` reads everything and writes nothing; a ``pilot_owner`` reads the
costs of the pilots it owns (asked from the pilots service, :mod:`budget.pilots`).
"""

from __future__ import annotations

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.problems import Forbidden

R = Role
READ_FIGURES = (R.admin, R.project_manager, R.finance, R.steering, R.auditor)
READ_PLAN = (R.admin, R.project_manager, R.finance, R.steering, R.auditor)
MANAGE_PLAN = (R.admin, R.project_manager)
READ_LEDGER = (R.admin, R.project_manager, R.finance, R.auditor)
WRITE_LEDGER = (R.admin, R.finance)
BY_PILOT = (R.admin, R.project_manager, R.pilot_owner, R.steering, R.auditor, R.finance)
CLAIMS_READ = (R.admin, R.project_manager, R.finance, R.auditor)
CLAIMS_WRITE = (R.admin, R.finance)

# Roles that see every implementer's rows, and (for aggregates) the steering group too.
ALL_ROWS = (R.admin, R.project_manager, R.auditor)
ALL_AGGREGATES = (*ALL_ROWS, R.steering)

read_figures = require_roles(*READ_FIGURES)
read_plan = require_roles(*READ_PLAN)
manage_plan = require_roles(*MANAGE_PLAN)
read_ledger = require_roles(*READ_LEDGER)
write_ledger = require_roles(*WRITE_LEDGER)
by_pilot = require_roles(*BY_PILOT)
claims_read = require_roles(*CLAIMS_READ)
claims_write = require_roles(*CLAIMS_WRITE)
admin_only = require_roles(R.admin)


def implementer_scope(principal: Principal, *, aggregates: bool = False) -> str | None:
    """The implementer a caller is limited to (None: every implementer).

    Finance without a wider role reaches only its own implementer; with ``aggregates`` (figures)
    the steering group is wide too. A finance token without its implementer reaches nothing.
    """
    if principal.has(*(ALL_AGGREGATES if aggregates else ALL_ROWS)):
        return None
    if principal.has(R.finance):
        if not principal.implementer:
            raise Forbidden(
                "A finance token must name its implementer (claim 'implementer').", slug="no-implementer"
            )
        return principal.implementer
    return None


def check_implementer(principal: Principal, implementer: str) -> None:
    """403 unless the caller may see or book ``implementer``'s rows."""
    scope = implementer_scope(principal)
    if scope is not None and scope != implementer:
        raise Forbidden(
            f"Finance of {scope} may see and book only its own implementer's costs, not {implementer}'s.",
            slug="other-implementer",
        )

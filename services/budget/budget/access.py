"""Who may do what in the budget service."""

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

read_figures = require_roles(*READ_FIGURES)
read_plan = require_roles(*READ_PLAN)
manage_plan = require_roles(*MANAGE_PLAN)
read_ledger = require_roles(*READ_LEDGER)
write_ledger = require_roles(*WRITE_LEDGER)
by_pilot = require_roles(*BY_PILOT)
claims_read = require_roles(*CLAIMS_READ)
claims_write = require_roles(*CLAIMS_WRITE)
admin_only = require_roles(R.admin)


def scoped_implementer(principal: Principal) -> str | None:
    """The implementer a caller is limited to: finance without a wider role sees only its own."""
    if principal.has(R.admin, R.project_manager, R.auditor):
        return None
    if principal.has(R.finance):
        if not principal.implementer:
            raise Forbidden("A finance token must name its implementer (claim 'implementer').")
        return principal.implementer
    return None


def check_implementer(principal: Principal, implementer: str) -> None:
    """403 unless the caller may see or book ``implementer``'s costs."""
    scope = scoped_implementer(principal)
    if scope is not None and scope != implementer:
        raise Forbidden(
            f"Finance of {scope} may see and book only its own implementer's costs, not {implementer}'s.",
            slug="other-implementer",
        )


def check_claims(principal: Principal, lead_implementer: str) -> None:
    """Claims are prepared by the lead implementer's finance (or an admin)."""
    if principal.has(R.admin, R.project_manager, R.auditor):
        return
    if principal.implementer != lead_implementer:
        raise Forbidden(
            "Payment claims are prepared by the lead implementer's finance "
            f"({lead_implementer}) for the whole joint project.",
            slug="not-lead-implementer",
        )

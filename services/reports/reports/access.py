"""Who may do what in the reports service.

- ``admin`` and ``project_manager`` set the calendar, extend obligations, name who is responsible,
  write every narrative section, freeze versions and enqueue reminders.
- ``pilot_owner`` writes the narrative section of a pilot it owns (asked from the pilots service
  with the caller's token) and reads reports and the calendar.
- ``finance``, ``steering`` and ``auditor`` read the calendar and reports.

Reading a report's figures is decided again by each service the figures come from: the caller's
token is forwarded, so a part the caller may not see is missing from the draft (and says why).
A frozen version is shown to every reader role: it is what was reported, frozen by a manager.
"""

from __future__ import annotations

from hanke_libs.auth import Principal, Role, require_roles

R = Role
READ = (R.admin, R.project_manager, R.pilot_owner, R.finance, R.steering, R.auditor)
MANAGE = (R.admin, R.project_manager)
NARRATE = (R.admin, R.project_manager, R.pilot_owner)
AUDIT_READ = (R.admin, R.project_manager, R.auditor)

reader = require_roles(*READ)
manager = require_roles(*MANAGE)
narrator = require_roles(*NARRATE)
outbox_reader = require_roles(*AUDIT_READ)


def is_manager(principal: Principal) -> bool:
    return principal.has(*MANAGE)

"""Development tokens for the run's callers (``hanke_libs.auth.issue_dev_token``)."""

from __future__ import annotations

from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings

KUOPIO = "0171450-7"


class Tokens:
    """One token per caller of the workload: a project manager, Kuopio's finance, an admin, the HR sync."""

    def __init__(self, lifetime_seconds: int = 4 * 3600) -> None:
        settings = AppSettings()
        self._tokens = {
            "pm": issue_dev_token(
                settings,
                roles=["project_manager"],
                subject="load-pm",
                name="Load PM",
                lifetime_seconds=lifetime_seconds,
            ),
            "finance": issue_dev_token(
                settings,
                roles=["finance"],
                subject="load-finance",
                implementer=KUOPIO,
                lifetime_seconds=lifetime_seconds,
            ),
            "admin": issue_dev_token(
                settings, roles=["admin"], subject="load-admin", lifetime_seconds=lifetime_seconds
            ),
            "hr_sync": issue_dev_token(
                settings, roles=["hr_sync"], subject="load-hr", lifetime_seconds=lifetime_seconds
            ),
        }

    def get(self, role: str) -> str:
        return self._tokens[role]

"""Settings refuse unsafe production configurations; money is exact and rounds half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hanke_libs.money import from_cents, parse_amount, round_cents, to_cents
from hanke_libs.settings import AppSettings, ConfigurationError


def test_development_defaults_to_embedded_sqlite() -> None:
    settings = AppSettings()
    assert settings.resolved_database_url().startswith("sqlite:///")


def test_production_names_every_missing_setting() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AppSettings(environment="production")
    message = str(caught.value)
    for name in ("HANKE_OIDC_ISSUER", "HANKE_OIDC_JWKS_URL", "HANKE_DATABASE_URL"):
        assert name in message


def test_production_refuses_placeholder_password() -> None:
    with pytest.raises(ConfigurationError, match="placeholder password"):
        AppSettings(
            environment="production",
            oidc_issuer="https://idp",
            oidc_jwks_url="https://idp/keys",
            database_url="postgresql://app:changethis@db/app",
        )


def test_production_accepts_complete_settings() -> None:
    settings = AppSettings(
        environment="production",
        oidc_issuer="https://idp",
        oidc_jwks_url="https://idp/keys",
        database_url="postgresql://app@db/app",
    )
    assert settings.is_production


def test_environment_variables_use_the_app_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from budget.config import Settings as BudgetSettings

    monkeypatch.setenv("HANKE_BUDGET_PORT", "9101")
    monkeypatch.setenv("HANKE_BUDGET_DATABASE_URL", "postgresql://x@h/budget")
    settings = BudgetSettings()
    assert settings.port == 9101 and settings.resolved_database_url() == "postgresql://x@h/budget"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4 016,96", "4016.96"), ("-12,5", "-12.50"), ("1\u00a0000", "1000.00"), ("0.10", "0.10")],
)
def test_parse_amount_reads_finnish_exports(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["12,345", "abc", "1,2,3", "NaN", ""])
def test_parse_amount_refuses_non_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_rounding_is_half_up_not_bankers() -> None:
    assert round_cents(Decimal("0.125")) == Decimal("0.13")
    assert round_cents(Decimal("0.135")) == Decimal("0.14")
    assert round_cents(Decimal("-0.125")) == Decimal("-0.13")


def test_cents_round_trip_and_refuse_fractions() -> None:
    assert to_cents(Decimal("1592580.00")) == 159258000
    assert from_cents(159258000) == Decimal("1592580.00")
    with pytest.raises(ValueError):
        to_cents(Decimal("0.001"))


async def test_fast_query_maps_an_unreachable_database_to_503() -> None:
    from sqlalchemy import Column, Integer, MetaData, Table, bindparam, select

    from hanke_libs.db import Database
    from hanke_libs.fastread import FastQuery
    from hanke_libs.problems import UpstreamProblem

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))

    class DownPool:
        async def fetchrow(self, *args: object) -> None:
            raise ConnectionRefusedError("connection refused")

    db = Database("postgresql://nobody@127.0.0.1:1/none")
    db.fast_pool = DownPool()
    try:
        with pytest.raises(UpstreamProblem) as caught:
            await FastQuery(select(table).where(table.c.id == bindparam("id"))).first(db, id=1)
        assert caught.value.status == 503 and caught.value.slug == "database-unavailable"
    finally:
        await db.dispose()

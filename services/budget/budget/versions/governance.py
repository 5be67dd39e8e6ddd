"""When a budget change is substantial: rules as data per project, and the comparison that applies them.

Each new budget version is compared with the version in force. A rule that fires names who must
decide (``city_board`` or ``funder``); a version with any such rule fired, a version declared
substantial, and every version of kind ``decided`` wait in ``pending_decision`` until a decision is
recorded by each body named. The defaults follow the funder's practice for ESR 2014–2020 projects
(a change request, muutoshakemus, for money moved between cost categories, the period, the
implementers and the funding; the city board's condition for a substantial change); a project
keeps its own copy of the rules and may change them (``PUT /projects/{code}/governance/rules``).
Why rows per project and not code: ``docs/adr/0006-budget-governance-rules-as-data.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.categories import FLAT_RATE
from budget.funding.plan import Plan
from budget.funding.rules import flat_amount
from budget.models import BudgetLine, GovernanceRule, Project
from hanke_libs.money import round_cents

ZERO = Decimal("0.00")
BODIES = ("city_board", "funder")


@dataclass(frozen=True)
class RuleDefault:
    code: str
    description: str
    decided_by: str
    threshold_bp: int | None = None
    threshold_amount: Decimal | None = None


DEFAULT_RULES: tuple[RuleDefault, ...] = (
    RuleDefault(
        "total_increased",
        "Total eligible cost raised above the version in force (more than threshold_amount)",
        "city_board",
        threshold_amount=ZERO,
    ),
    RuleDefault("funding_changed", "A funding source, its share or an own-funding cap changed", "funder"),
    RuleDefault("implementer_changed", "An implementer added or removed", "funder"),
    RuleDefault("period_extended", "The project period extended (earlier start or later end)", "funder"),
    RuleDefault(
        "category_shift",
        "Money moved between cost categories by more than threshold_percent of a category",
        "funder",
        threshold_bp=1000,
    ),
    RuleDefault("objectives_changed", "An objective (work package) added, removed or reworded", "city_board"),
    RuleDefault(
        "portfolio_changed", "The pilot portfolio's size (pilots_min, pilots_max) changed", "city_board"
    ),
)
RULE_CODES = tuple(r.code for r in DEFAULT_RULES)
DESCRIPTIONS = {r.code: r.description for r in DEFAULT_RULES}


@dataclass(frozen=True)
class Rule:
    code: str
    enabled: bool
    decided_by: str
    threshold_bp: int | None
    threshold_amount: Decimal | None

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.code]


def default_rules() -> list[Rule]:
    return [Rule(d.code, True, d.decided_by, d.threshold_bp, d.threshold_amount) for d in DEFAULT_RULES]


async def rules_for(*, session: AsyncSession, project: Project) -> list[Rule]:
    """The project's rules: its stored ones, with the defaults for any code it has not stored."""
    stored = {
        r.code: Rule(r.code, r.enabled, r.decided_by, r.threshold_bp, r.threshold_amount)
        for r in (
            await session.exec(
                select(GovernanceRule)
                .where(GovernanceRule.project_id == project.id)
                .order_by(col(GovernanceRule.id))
            )
        ).all()
        if r.code in DESCRIPTIONS
    }
    return [stored.get(d.code, d) for d in default_rules()]


async def store_rules(*, session: AsyncSession, project: Project, rules: list[Rule]) -> None:
    conn = await session.connection()
    table = GovernanceRule.__table__  # type: ignore[attr-defined]
    await conn.execute(delete(table).where(table.c.project_id == project.id))
    for r in rules:
        session.add(
            GovernanceRule(
                project_id=project.id,  # type: ignore[arg-type]
                code=r.code,
                enabled=r.enabled,
                decided_by=r.decided_by,
                threshold_bp=r.threshold_bp,
                threshold_amount=r.threshold_amount,
            )
        )
    await session.flush()


@dataclass
class Budget:
    """What the rules compare: a version's plan and its lines."""

    number: int | None
    plan: Plan
    lines: list[BudgetLine]
    rate: Decimal | None

    def eligible_total(self) -> Decimal:
        return sum((self.line_total(line) for line in self.lines), ZERO)

    def line_total(self, line: BudgetLine) -> Decimal:
        flat = flat_amount(line.amount, self.rate) if line.category_code == "staff" else ZERO
        return line.amount + flat

    def by_category(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for line in self.lines:
            out[line.category_code] = out.get(line.category_code, ZERO) + line.amount
            if line.category_code == "staff" and self.rate is not None:
                out[FLAT_RATE] = out.get(FLAT_RATE, ZERO) + flat_amount(line.amount, self.rate)
        return out


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def _total(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    a, b = old.eligible_total(), new.eligible_total()
    limit = rule.threshold_amount or ZERO
    fired = b - a > limit
    detail = f"total eligible cost {money(a)} → {money(b)} ({money(b - a)})"
    return (
        fired,
        detail,
        {"from": money(a), "to": money(b), "change": money(b - a), "threshold": money(limit)},
    )


def _funding(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    def shares(p: Plan) -> dict[str, tuple[str, int]]:
        return {s.code: (s.kind, s.share_bp) for s in p.sources}

    def caps(p: Plan) -> dict[str, Decimal]:
        return {f"{c.implementer}/{c.year or 'total'}": c.cap for c in p.caps}

    changes: list[str] = []
    a, b = shares(old.plan), shares(new.plan)
    for code in sorted(set(a) | set(b)):
        if code not in a:
            changes.append(f"source {code} added ({b[code][1] / 100:.2f} %)")
        elif code not in b:
            changes.append(f"source {code} removed (was {a[code][1] / 100:.2f} %)")
        elif a[code] != b[code]:
            changes.append(f"source {code}: {a[code][1] / 100:.2f} % → {b[code][1] / 100:.2f} %")
    ca, cb = caps(old.plan), caps(new.plan)
    for key in sorted(set(ca) | set(cb)):
        if ca.get(key) != cb.get(key):
            before = money(ca[key]) if key in ca else "none"
            after = money(cb[key]) if key in cb else "none"
            changes.append(f"own-funding cap {key}: {before} → {after}")
    return (
        bool(changes),
        "; ".join(changes) or "funding sources, shares and caps unchanged",
        {"changes": changes},
    )


def _implementers(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    a, b = old.plan.implementer_ids, new.plan.implementer_ids
    added, removed = sorted(b - a), sorted(a - b)
    parts = [f"added {', '.join(added)}"] * bool(added) + [f"removed {', '.join(removed)}"] * bool(removed)
    return (
        bool(added or removed),
        "; ".join(parts) or "implementers unchanged",
        {"added": added, "removed": removed},
    )


def _period(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    a, b = old.plan, new.plan
    fired = b.period_end > a.period_end or b.period_start < a.period_start
    days = (b.period_end - a.period_end).days + (a.period_start - b.period_start).days
    detail = f"{a.period_start} – {a.period_end} → {b.period_start} – {b.period_end}"
    return (
        fired,
        detail,
        {
            "from": [str(a.period_start), str(a.period_end)],
            "to": [str(b.period_start), str(b.period_end)],
            "days_added": max(days, 0),
        },
    )


def _categories(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    threshold = Decimal(rule.threshold_bp if rule.threshold_bp is not None else 1000) / 100
    a, b = old.by_category(), new.by_category()
    moved: list[dict[str, Any]] = []
    for cat in sorted(set(a) | set(b)):
        x, y = a.get(cat, ZERO), b.get(cat, ZERO)
        if x == y:
            continue
        share = round_cents(abs(y - x) * 100 / x) if x else None
        if share is None or share > threshold:
            moved.append(
                {
                    "category": cat,
                    "from": money(x),
                    "to": money(y),
                    "change": money(y - x),
                    "percent": money(share) if share is not None else None,
                }
            )
    detail = (
        "; ".join(
            f"{m['category']} {m['from']} → {m['to']}"
            + (
                f" ({m['percent']} %)"
                if m["percent"] is not None
                else " (a category not in the version in force)"
            )
            for m in moved
        )
        or f"no category changed by more than {threshold:.2f} %"
    )
    return bool(moved), detail, {"threshold_percent": money(threshold), "categories": moved}


def _objectives(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    a, b = old.plan.objectives, new.plan.objectives
    added = [o for o in b if o not in a]
    removed = [o for o in a if o not in b]
    fired = bool(added or removed)
    return (
        fired,
        f"{len(added)} added, {len(removed)} removed" if fired else "objectives unchanged",
        {"added": added, "removed": removed},
    )


def _portfolio(rule: Rule, old: Budget, new: Budget) -> tuple[bool, str, dict[str, Any]]:
    a = (old.plan.pilots_min, old.plan.pilots_max)
    b = (new.plan.pilots_min, new.plan.pilots_max)
    fired = a != b
    detail = f"pilots {a[0]}–{a[1]} → {b[0]}–{b[1]}" if fired else "pilot portfolio size unchanged"
    return fired, detail, {"from": list(a), "to": list(b)}


CHECKS = {
    "total_increased": _total,
    "funding_changed": _funding,
    "implementer_changed": _implementers,
    "period_extended": _period,
    "category_shift": _categories,
    "objectives_changed": _objectives,
    "portfolio_changed": _portfolio,
}


def review(
    *, old: Budget | None, new: Budget, rules: list[Rule], kind: str, declared_substantial: bool
) -> dict[str, Any]:
    """The comparison of ``new`` with the version in force ``old``: every rule, whether it fired and
    by how much, and whose decisions the version needs before it may enter into force."""
    results: list[dict[str, Any]] = []
    needed: set[str] = set()
    if old is not None:
        for rule in rules:
            fired, detail, measure = CHECKS[rule.code](rule, old, new)
            fired = fired and rule.enabled
            if fired:
                needed.add(rule.decided_by)
            results.append(
                {
                    "rule": rule.code,
                    "description": rule.description,
                    "enabled": rule.enabled,
                    "fired": fired,
                    "decided_by": rule.decided_by,
                    "detail": detail,
                    "measure": measure,
                }
            )
    reasons = [r["rule"] for r in results if r["fired"]]
    if declared_substantial:
        needed.add("city_board")
        reasons.append("declared_substantial")
    substantial = bool(reasons)
    if kind == "decided":
        needed.add("funder")
    return {
        "compared_with": old.number if old is not None else None,
        "substantial": substantial,
        "fired": reasons,
        "decisions_needed": sorted(needed),
        "rules": results,
        "how": "each rule compares this version's plan and lines with the version in force; a fired rule "
        "needs the decision of its decided_by body; a version of kind 'decided' always needs the funder's.",
    }

"""The hot reads of people (``GET /people/{id}``, ``GET /people``): on PostgreSQL one statement each,
which reads the people and writes their read-log rows together (ADR 0011).

Every person whose data leaves the service has a committed read-log row (``privacy.readlog``). A
hot read keeps that exact: its statement is a data-modifying CTE run in autocommit on the read pool
(:class:`~hanke_libs.fastread.FastQuery`), so the people read and the log rows inserted commit as
one statement or not at all, and the driver hands the rows over only after the server has committed
it (asyncpg returns once the server is ready for the next query; a failed commit is an error). The
person read returns its row joined to the log row the insert returned, so a person not logged is
not returned; the list returns its page outer-joined to the log rows and refuses to answer if a
listed person has none (the lookahead row, which is not sent, is not logged).

The rules are those of :class:`~participants.people.repository.People`, in SQL where the statement
decides: a non-manager's insert and read are filtered by :func:`~participants.access.caller_clause`
(:func:`~participants.access.is_caller` in SQL). SQLite (no DML in a CTE) and a database without a
read pool keep the session path (``People.read``, ``People.page``).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Integer, String, bindparam, func, insert, true
from sqlalchemy import select as select_core
from sqlalchemy.sql.elements import ColumnElement

from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.fastread import FastQuery
from hanke_libs.paging import Page, PageParams, offset_page
from participants.access import caller_clause, caller_params, is_manager
from participants.models import Person, PersonReadLog
from participants.people.repository import PEOPLE_ORDER, People, people_filter, read_refused, require_lister
from participants.people.schemas import PeopleQuery, PersonPublic
from participants.privacy.readlog import read_log_entry

PUBLIC_COLUMNS = tuple(PersonPublic.model_fields)
PEOPLE = TypeAdapter(list[PersonPublic])  # a page's rows validated in one call
LOG_COLUMNS = ("occurred_at", "reader", "reader_roles", "purpose")


def _logged(people: Any, where: ColumnElement[bool] | None = None) -> Any:
    """A CTE inserting one read-log row per row of ``people`` (where ``where``), returning their
    person ids; the row's other columns are the bind parameters of ``read_log_entry``."""
    log = PersonReadLog.__table__  # type: ignore[attr-defined]
    rows = select_core(*(bindparam(n, type_=log.c[n].type) for n in LOG_COLUMNS), people.c.id)
    if where is not None:
        rows = rows.where(where)
    return insert(log).from_select([*LOG_COLUMNS, "person_id"], rows).returning(log.c.person_id).cte("logged")


def _one(*, manager: bool) -> FastQuery:
    person = Person.__table__  # type: ignore[attr-defined]
    p = (
        select_core(*(person.c[n] for n in PUBLIC_COLUMNS))
        .where(person.c.id == bindparam("person_id", type_=String()))
        .cte("p")
    )
    logged = _logged(p, None if manager else caller_clause(p))
    return FastQuery(select_core(*p.c).select_from(p.join(logged, logged.c.person_id == p.c.id)))


AS_MANAGER = _one(manager=True)
AS_CALLER = _one(manager=False)


async def read_person(*, db: Database, principal: Principal, person_id: str) -> PersonPublic:
    """One person: admin, project_manager, or the person themself; logged as read (``People.read``)."""
    if db.fast_pool is None:
        async with db.read_session() as session:
            return PersonPublic.model_validate(await People(session, principal).read(person_id))
    params = {"person_id": person_id, **read_log_entry(principal, "people.read")}
    if is_manager(principal):
        row = await AS_MANAGER.first(db, **params)
    else:
        row = await AS_CALLER.first(db, **params, **caller_params(principal))
    if row is None:
        raise read_refused(principal, person_id)
    return PersonPublic.model_validate(row)


_PAGES: dict[tuple[str, ...], FastQuery] = {}


def _page(clauses: list[Any]) -> FastQuery:
    """The page (``limit + 1`` rows from ``offset``), the total, and the log rows of the first
    ``limit`` rows, as one statement; a row with only the total when the page is empty."""
    person = Person.__table__  # type: ignore[attr-defined]
    page = (
        select_core(*(person.c[n] for n in PUBLIC_COLUMNS))
        .where(*clauses)
        .order_by(*PEOPLE_ORDER)
        .offset(bindparam("offset", type_=Integer()))
        .limit(bindparam("lookahead", type_=Integer()))
        .cte("page")
    )
    order = (page.c.family_name, page.c.given_name, page.c.id)
    shown = select_core(page.c.id).order_by(*order).limit(bindparam("limit", type_=Integer())).subquery()
    logged = _logged(shown)
    total = select_core(func.count().label("total")).select_from(person).where(*clauses).subquery("total")
    joined = total.outerjoin(page, true()).outerjoin(logged, logged.c.person_id == page.c.id)
    stmt = select_core(total.c.total, logged.c.person_id.label("logged_id"), *page.c).select_from(joined)
    return FastQuery(stmt.order_by(*order))


async def read_page(
    *, db: Database, principal: Principal, query: PeopleQuery, page: PageParams
) -> Page[PersonPublic]:
    """A page of people (admin, project_manager only), each listed person logged (``People.page``)."""
    if db.fast_pool is None:
        async with db.read_session() as session:
            people, total = await People(session, principal).page(query, page)
        return offset_page([PersonPublic.model_validate(p) for p in people], page, total)
    require_lister(principal)
    clauses, params = people_filter(query)
    key = tuple(sorted(params))  # the clauses depend only on which filters are given
    if key not in _PAGES:
        _PAGES[key] = _page(clauses)
    rows = await _PAGES[key].all(
        db,
        **params,
        **read_log_entry(principal, "people.list"),
        offset=page.offset,
        limit=page.limit,
        lookahead=page.limit + 1,
    )
    found = [row for row in rows if row["id"] is not None]
    if any(row["logged_id"] != row["id"] for row in found[: page.limit]):
        raise RuntimeError("a listed person's read was not logged; the page is not sent")
    return offset_page(PEOPLE.validate_python(found), page, rows[0]["total"])

"""Statistical disclosure control: no combination of shown figures reveals a group under 10.

The property test checks the guarantee independently of the algorithm's own reasoning: it builds
the shown cells' indicator vectors over the atoms (the smallest groups every cell is made of) and,
by exact rational linear algebra, that no non-zero combination of them (totals minus cells,
weighted by counts, any coefficients) is supported on a set of 1..9 people.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from fractions import Fraction

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from participants.disclosure import MIN_GROUP, Hierarchy, check
from tests.participants.helpers import close, make_people, reopen

Auth = Callable[..., dict[str, str]]


def rank(rows: list[list[Fraction]]) -> int:
    """The rank of a matrix over the rationals (Gaussian elimination, exact)."""
    matrix = [list(r) for r in rows if any(r)]
    rank_, cols = 0, len(matrix[0]) if matrix else 0
    for col in range(cols):
        pivot = next((i for i in range(rank_, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank_], matrix[pivot] = matrix[pivot], matrix[rank_]
        for i in range(len(matrix)):
            if i != rank_ and matrix[i][col] != 0:
                factor = matrix[i][col] / matrix[rank_][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank_], strict=True)]
        rank_ += 1
    return rank_


def small_groups_revealed(tree: Hierarchy, k: int = MIN_GROUP) -> list[tuple[str, ...]]:
    """Sets of atoms of 1..k-1 people on which some combination of shown cells is supported."""
    people = {key: frozenset(tree.people(key)) for key in tree.cells}
    everyone = people[tree.root]
    atoms: dict[frozenset[str], set[str]] = {}
    for person in everyone:  # an atom: the people in exactly the same cells
        signature = frozenset(key for key, members in people.items() if person in members)
        atoms.setdefault(signature, set()).add(person)
    names = list(atoms)
    shown = [key for key in tree.shown() if people[key]]
    matrix = [[Fraction(int(key in sig)) for sig in names] for key in shown]
    base = rank(matrix) if matrix else 0
    revealed = []
    small = [i for i, sig in enumerate(names) if len(atoms[sig]) < k]
    for size in range(1, len(small) + 1):
        for subset in itertools.combinations(small, size):
            weight = sum(len(atoms[names[i]]) for i in subset)
            if not 0 < weight < k:
                continue
            unit = [[Fraction(int(j == i)) for j in range(len(names))] for i in subset]
            # dim(span ∩ R^subset) = rank(M) + |subset| - rank(M; E_subset): 0 means nothing isolated there
            if base + len(subset) - rank(matrix + unit) > 0:
                revealed.append(tuple(sorted(str(sorted(names[i])) for i in subset)))
    return revealed


units_strategy = st.dictionaries(
    keys=st.sampled_from([f"u{i}" for i in range(9)]),
    values=st.tuples(st.sampled_from(["s1", "s2", "s3"]), st.integers(min_value=0, max_value=24)),
    min_size=1,
    max_size=9,
)


@settings(max_examples=150, deadline=None)
@given(units=units_strategy)
def test_no_combination_of_shown_cells_isolates_a_small_group(units: dict[str, tuple[str, int]]) -> None:
    tree = Hierarchy("all")
    for unit, (sector, size) in units.items():
        for n in range(size):
            tree.add(f"{unit}-{n}", [f"s:{sector}", f"u:{unit}"])
    tree.protect()
    assert check(tree) == []
    assert small_groups_revealed(tree) == []
    for key in tree.shown():  # nothing under 10 is shown on its own either
        assert tree.size(key) == 0 or tree.size(key) >= MIN_GROUP


def test_the_subtraction_of_the_issue_is_refused() -> None:
    """19 respondents in total, a unit of 10 and one of 9: without secondary suppression the total and
    the 10-person unit give the 9-person unit's mean ((19 × 4.37 − 10 × 2.0) / 9)."""
    naive = Hierarchy("all")
    for n in range(10):
        naive.add(f"a{n}", ["s:x", "u:a"])
    for n in range(9):
        naive.add(f"b{n}", ["s:x", "u:b"])
    naive.cells["u:b"].hidden = True  # primary suppression only
    assert small_groups_revealed(naive) and check(naive) == ["s:x"]
    naive.cells["u:b"].hidden = False
    hidden = naive.protect()
    assert {"u:a", "u:b"} <= hidden and "all" not in hidden and "s:x" not in hidden
    assert small_groups_revealed(naive) == []


def test_a_margin_is_hidden_when_no_other_cell_can_be() -> None:
    tree = Hierarchy("all")
    for n in range(10):
        tree.add(f"a{n}", ["s:x", "u:a"])
    for n in range(9):
        tree.add(f"b{n}", ["s:y", "u:b"])
    assert tree.protect() == {"all", "s:y", "u:b"}
    assert small_groups_revealed(tree) == []


# --- through the API -------------------------------------------------------------------------------

SELF = "kunta-itsearvio"
PERSONAL = ["P1", "P2", "P3", "P4", "P5", "P6"]
MUNICIPAL = ["K1", "K2", "K3", "K4", "K5", "K6"]


async def _round(client: httpx.AsyncClient, auth: Auth, kind: str) -> int:
    rounds = (await client.get("/rounds", params={"project_code": "S21894"}, headers=auth("admin"))).json()
    return next(r["id"] for r in rounds["items"] if r["framework_code"] == SELF and r["kind"] == kind)


async def _answer(
    client: httpx.AsyncClient, auth: Auth, rid: int, pid: str, items: list[str], value: int
) -> None:
    body = {"person_id": pid, "answers": [{"item_code": c, "value": value} for c in items]}
    response = await client.post(f"/rounds/{rid}/answers", json=body, headers=auth("project_manager"))
    assert response.status_code == 200, response.text


async def test_round_total_and_units_never_give_a_small_unit(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    # KO-PO 10 people and KO-VK 9 people, both in the sector Kasvu: the issue's 19 = 10 + 9
    people = await make_people(client, auth, {"KO-PO": 10, "KO-VK": 9})
    rid = await _round(client, auth, "baseline")
    await reopen(client, auth, rid)
    for pid in people["KO-PO"]:
        await _answer(client, auth, rid, pid, PERSONAL + MUNICIPAL, 2)
    for index, pid in enumerate(people["KO-VK"]):
        await _answer(client, auth, rid, pid, PERSONAL + MUNICIPAL, 5 if index else 4)
    await close(client, auth, rid)
    steering = auth("steering")
    views = {}
    for by in ("all", "sector", "org_unit"):
        response = await client.get(f"/rounds/{rid}/aggregates", params={"by": by}, headers=steering)
        assert response.status_code == 200, response.text
        views[by] = {g["group"]: g for g in response.json()["groups"]}
    assert views["all"]["all"]["respondents"] == 19 and views["sector"]["Kasvu"]["respondents"] == 19
    # secondary suppression: the 10-person unit is hidden too, so 19 × mean − 10 × mean is not possible
    assert views["org_unit"]["KO-VK"]["suppressed"] and views["org_unit"]["KO-PO"]["suppressed"]
    shown = [(g["respondents"], g["mean"]) for v in views.values() for g in v.values() if not g["suppressed"]]
    assert all(n >= 10 for n, _ in shown)
    assert {n for n, _ in shown} == {19}  # every shown figure is about the same 19 people


async def test_an_area_answered_by_few_inside_a_large_group_is_hidden(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    people = await make_people(client, auth, {"KO-VK": 12})
    rid = await _round(client, auth, "baseline")
    await reopen(client, auth, rid)
    for index, pid in enumerate(people["KO-VK"]):
        # everyone answers the municipal items; only one person the personal ones
        await _answer(client, auth, rid, pid, MUNICIPAL + (PERSONAL if index == 0 else []), 3 if index else 5)
    await close(client, auth, rid)
    body = (
        await client.get(f"/rounds/{rid}/aggregates", params={"by": "all"}, headers=auth("steering"))
    ).json()
    group = body["groups"][0]
    assert group["respondents"] == 12 and group["suppressed"] is False
    assert "P" not in group["areas"] and group["suppressed_areas"] == ["P"]
    assert group["areas"]["K"] == round((5 + 11 * 3) / 12, 2)
    assert group["mean"] is None  # a mean over all areas would carry the one person's P answers


async def test_coaching_totals_hide_a_small_unit_and_one_more(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    people = await make_people(client, auth, {"KO-PO": 12, "KO-VK": 9, "HE": 10})
    pm = auth("project_manager")
    event = await client.post(
        "/coaching-events",
        json={
            "project_code": "S21894",
            "kind": "workshop",
            "title": "Työpaja",
            "date": "2021-02-03",
            "hours": "2",
        },
        headers=pm,
    )
    assert event.status_code == 201, event.text
    everyone = [pid for ids in people.values() for pid in ids]
    added = await client.post(
        f"/coaching-events/{event.json()['id']}/attendance", json={"person_ids": everyone}, headers=pm
    )
    assert added.json() == {"added": 31}
    steering = auth("steering")
    by_unit = (
        await client.get("/projects/S21894/coaching-totals", params={"by": "org_unit"}, headers=steering)
    ).json()
    units = {g["key"]: g for g in by_unit["groups"]}
    # KO-VK (9) is hidden, and KO-PO with it: Kasvu (21) minus KO-PO would give KO-VK
    assert units["KO-VK"]["hours"] is None and units["KO-PO"]["hours"] is None
    assert units["HE"]["hours"] == "20.00" and units["HE"]["people"] == 10
    by_sector = (await client.get("/projects/S21894/coaching-totals", headers=steering)).json()
    sectors = {g["key"]: g["hours"] for g in by_sector["groups"]}
    assert sectors == {"Kasvu": "42.00", "Hyvinvointi": "20.00"} and by_sector["total"]["hours"] == "62.00"
    situation = (await client.get("/projects/S21894/situation", headers=steering)).json()
    assert {r["sector"]: r["coaching_hours"] for r in situation["champions_by_sector"]} == sectors
    before = (
        await client.get("/projects/S21894/coaching-totals", params={"as_of": "2021-02-02"}, headers=steering)
    ).json()
    assert before["as_of"] == "2021-02-02" and before["groups"] == [] and before["total"] is None
    assert dt.date.fromisoformat(before["as_of"])

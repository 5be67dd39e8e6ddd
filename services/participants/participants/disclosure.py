"""Statistical disclosure control: no shown figure, alone or combined with others, reveals a group under 10.

Every aggregate about people (survey figures by org unit, sector and in total; coaching hours and
attendances by org unit, sector and in total) is a cell of one **hierarchy of nested groups**: the
whole population at the root, sectors under it, org units (after folding small units into their
parent of the same sector) under those. A caller may see any level, so the shown cells of all
levels are protected together: an attacker may take any linear combination of shown figures
(totals minus cells, weighted by counts), as in *(19 × 4.37 − 10 × 2.0) / 9*.

The guarantee (ADR 0002): for a nested (laminar) family of cells, the combinations of shown cells
are exactly the combinations of their *residuals* ``D(v)`` = the members of a shown cell ``v`` not
inside a shown smaller cell. These residuals are disjoint, so any non-zero combination covers at
least one whole non-empty residual. :func:`protect` therefore makes every shown cell's residual
either empty or at least ``k`` people, and then **no combination of shown figures isolates fewer
than k people**.

The algorithm, bottom-up (children before their parent):

1. primary suppression: a cell of fewer than ``k`` people is hidden;
2. secondary suppression: a shown cell whose residual is 1..k-1 (some of its parts hidden, the
   rest shown, so the margin minus the shown parts would give the hidden ones) hides the smallest
   shown part whose own residual is at least ``k`` (one more cell of the same table); when every
   shown part is fully covered by shown cells below it, the margin itself is hidden instead, and
   its residual then counts in its own parent's.

Hiding never shrinks the residual of a shown cell, so a cell fixed once stays fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MIN_GROUP = 10


@dataclass
class Cell:
    """A group of people: its key, its parent cell's key, and the people directly in it (not in a child)."""

    key: str
    parent: str | None
    members: set[str] = field(default_factory=set)
    children: list[str] = field(default_factory=list)
    hidden: bool = False
    primary: bool = False


class Hierarchy:
    """Nested cells; each person belongs to exactly one bottom cell (``add``) and to all its ancestors."""

    def __init__(self, root: str = "all") -> None:
        self.root = root
        self.cells: dict[str, Cell] = {root: Cell(root, None)}

    def node(self, key: str, parent: str) -> Cell:
        """The cell ``key`` under ``parent`` (made when missing)."""
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = Cell(key, parent)
            self.cells[parent].children.append(key)
        elif cell.parent != parent:
            raise ValueError(f"cell {key!r} is under {cell.parent!r}, not {parent!r}: cells must nest")
        return cell

    def add(self, person: str, path: Iterable[str]) -> None:
        """Put ``person`` in the cell reached by ``path`` from the root (e.g. ``[sector, unit]``)."""
        parent = self.root
        for key in path:
            parent = self.node(key, parent).key
        self.cells[parent].members.add(person)

    def people(self, key: str) -> set[str]:
        cell = self.cells[key]
        result = set(cell.members)
        for child in cell.children:
            result |= self.people(child)
        return result

    def size(self, key: str) -> int:
        return len(self.people(key))

    def shown(self) -> set[str]:
        return {k for k, c in self.cells.items() if not c.hidden}

    def residual(self, key: str) -> int:
        """People of ``key`` not inside one of its shown smaller cells."""
        cell = self.cells[key]
        return len(cell.members) + sum(
            0 if not self.cells[c].hidden else self.residual(c) for c in cell.children
        )

    def _postorder(self, key: str) -> list[str]:
        order: list[str] = []
        for child in sorted(self.cells[key].children):
            order += self._postorder(child)
        return [*order, key]

    def protect(self, k: int = MIN_GROUP, *, forced: Iterable[str] = ()) -> set[str]:
        """Hide cells until every shown cell's residual is 0 or at least ``k``; returns the hidden keys.

        ``forced``: cells hidden whatever their size (e.g. rows whose people-level figure is hidden).
        """
        for key in forced:
            if key in self.cells:
                self.cells[key].hidden = True
        for key in self._postorder(self.root):
            cell = self.cells[key]
            size = self.size(key)
            if cell.hidden:
                continue
            if size < k:
                cell.hidden = cell.primary = True
                continue
            while not cell.hidden and 0 < self.residual(key) < k:
                parts = [c for c in cell.children if not self.cells[c].hidden and self.residual(c) >= k]
                if parts:  # one more cell of the same table
                    self.cells[min(parts, key=lambda c: (self.residual(c), c))].hidden = True
                else:  # every shown part is fully covered below it: the margin itself is hidden
                    cell.hidden = True
        return {k_ for k_, c in self.cells.items() if c.hidden}


def check(hierarchy: Hierarchy, k: int = MIN_GROUP) -> list[str]:
    """Shown cells breaking the guarantee (a residual of 1..k-1); [] when the pattern is safe."""
    return [
        key for key, cell in hierarchy.cells.items() if not cell.hidden and 0 < hierarchy.residual(key) < k
    ]


def hierarchy_of(paths: Mapping[str, Iterable[str]], root: str = "all") -> Hierarchy:
    """A hierarchy from ``person -> path`` (e.g. ``{"p1": ["Kasvu", "KO-PO"]}``)."""
    hierarchy = Hierarchy(root)
    for person, path in paths.items():
        hierarchy.add(person, path)
    return hierarchy

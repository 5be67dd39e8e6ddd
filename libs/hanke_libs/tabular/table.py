"""The parts of the tabular reader both formats share: the spec, rows, header matching, row limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hanke_libs.problems import BadRequest, InvalidParam, ProblemError
from hanke_libs.tabular.cells import ImportErrors, ImportRejected, cell_str

MIB = 1024 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
DELIMITERS = (";", "\t", ",")


@dataclass(frozen=True)
class Column:
    """One field of a table: the header names it is known by (case-insensitive) and if it must exist."""

    field: str
    names: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    """What a table holds and the limits its reader applies. Build with :meth:`of` for brevity."""

    columns: tuple[Column, ...]
    delimiter: str | None = None  # None: detect ';', tab or ','
    max_bytes: int = 50 * MIB
    max_rows: int = 100_000
    max_columns: int = 100
    max_field_chars: int = 32_767  # what an Excel cell holds
    max_xlsx_uncompressed_bytes: int = 256 * MIB
    header_search_rows: int = 5
    sheet: int | str = 0

    @classmethod
    def of(
        cls, names: Mapping[str, Sequence[str]], *, required: Sequence[str] = (), **limits: Any
    ) -> TableSpec:
        """``TableSpec.of({"voucher": ("Tosite", "voucher")}, required=["voucher"], max_rows=500_000)``."""
        unknown = set(required) - set(names)
        if unknown:
            raise ValueError(f"required fields without names: {sorted(unknown)}")
        columns = tuple(Column(f, tuple(n), f in required) for f, n in names.items())
        return cls(columns=columns, **limits)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns if c.required)


@dataclass(frozen=True)
class Row:
    """One data row: its line (the CSV line it starts on, the XLSX row number) and cells by field."""

    line: int
    cells: Mapping[str, Any]

    def get(self, field: str, default: Any = None) -> Any:
        value = self.cells.get(field)
        return default if value is None else value

    def __getitem__(self, field: str) -> Any:
        return self.cells.get(field)

    def text(self, field: str) -> str:
        """The cell as text (``""`` when blank); see :func:`hanke_libs.tabular.cells.cell_str`."""
        return cell_str(self.cells.get(field))


@dataclass
class Table:
    rows: list[Row]
    fields: tuple[str, ...]  # the fields whose column the file has
    ignored_columns: tuple[str, ...]  # header names that map to no field
    format: Literal["csv", "xlsx"]
    header_line: int
    encoding: str | None = None
    delimiter: str | None = None
    errors: list[InvalidParam] = field(default_factory=list)


def _norm(name: Any) -> str:
    return " ".join(str(name if name is not None else "").replace("\ufeff", "").split()).casefold()


def _unreadable(message: str) -> BadRequest:
    return BadRequest(message, slug="unreadable-file", title="Unreadable file")


def _too_large(message: str) -> ProblemError:
    return ProblemError(message, status=413, slug="file-too-large", title="File too large")


def _too_many_rows(limit: int, blanks: bool = False) -> ProblemError:
    extra = " (blank rows included: delete the empty rows below the data)" if blanks else ""
    return ProblemError(
        f"The file has more than {limit} rows{extra}; split it into smaller files.",
        status=413,
        slug="too-many-rows",
        title="Too many rows",
    )


class _Header:
    """The header row matched against the spec: column index → field."""

    def __init__(self, spec: TableSpec, cells: Sequence[Any], line: int) -> None:
        wanted = {_norm(n): c.field for c in spec.columns for n in c.names}
        self.line = line
        self.index: dict[int, str] = {}
        self.ignored: list[str] = []
        self.duplicates: list[InvalidParam] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(cells):
            key = _norm(raw)
            if not key:
                continue
            fld = wanted.get(key)
            if fld is None:
                self.ignored.append(str(raw).strip())
            elif fld in seen:
                self.duplicates.append(
                    InvalidParam(
                        name=f"header.{fld}",
                        reason=f"column {str(raw).strip()!r} appears twice (columns {seen[fld] + 1} and {i + 1})",
                        line=line,
                    )
                )
            else:
                seen[fld] = i
                self.index[i] = fld
        self.width = len(cells)
        found = set(self.index.values())
        self.missing = [c for c in spec.columns if c.required and c.field not in found]

    @property
    def score(self) -> tuple[int, int]:
        return (len(self.index) - len(self.missing) * 1000, len(self.index))

    def check(self) -> None:
        errors = list(self.duplicates) + [
            InvalidParam(
                name=f"header.{c.field}", reason=f"missing column ({' / '.join(c.names)})", line=self.line
            )
            for c in self.missing
        ]
        if errors:
            raise ImportRejected(
                "The file does not have the expected columns"
                + (": " + ", ".join(c.names[0] for c in self.missing) if self.missing else "")
                + ". Download the template for the expected columns.",
                errors=errors,
            )


def _find_header(spec: TableSpec, first_rows: Sequence[tuple[int, Sequence[Any]]]) -> tuple[int, _Header]:
    """(position in ``first_rows``, header) of the best header candidate among the first rows."""
    best: tuple[int, _Header] | None = None
    for pos, (line, cells) in enumerate(first_rows[: spec.header_search_rows]):
        header = _Header(spec, cells, line)
        if best is None or header.score > best[1].score:
            best = (pos, header)
        if not header.missing and header.index:
            break
    if best is None:
        raise ImportRejected(
            "The file is empty.", errors=[InvalidParam(name="file", reason="no header row", line=1)]
        )
    return best


def _blank_row(cells: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class _Builder:
    """Turns raw rows (after the header) into :class:`Row` objects, checking the row limits."""

    def __init__(self, spec: TableSpec, header: _Header, errors: ImportErrors, *, strict_width: bool) -> None:
        self.spec, self.header, self.errors = spec, header, errors
        self.strict_width = strict_width  # CSV: cells beyond the header mean a misplaced delimiter
        self.items = list(header.index.items())
        self.rows: list[Row] = []

    def add(self, line: int, cells: Sequence[Any]) -> None:
        if _blank_row(cells):
            return
        if len(self.rows) >= self.spec.max_rows:
            raise _too_many_rows(self.spec.max_rows)
        bad = False
        if (
            self.strict_width
            and len(cells) > self.header.width
            and not _blank_row(cells[self.header.width :])
        ):
            self.errors.add(
                line,
                "row",
                f"has {len(cells)} cells but the header has {self.header.width} columns "
                "(an unquoted delimiter in a cell?)",
            )
            bad = True
        values: dict[str, Any] = {}
        n = len(cells)
        for index, fld in self.items:
            value = _clean(cells[index]) if index < n else None
            if isinstance(value, str) and len(value) > self.spec.max_field_chars:
                self.errors.add(line, fld, f"longer than {self.spec.max_field_chars} characters")
                bad = True
            values[fld] = value
        if not bad:
            self.rows.append(Row(line, values))


def _check_width(width: int, spec: TableSpec, line: int) -> None:
    if width > spec.max_columns:
        raise BadRequest(
            f"Line {line} has {width} columns; at most {spec.max_columns} are read.",
            slug="too-many-columns",
            title="Too many columns",
        )

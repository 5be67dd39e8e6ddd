"""Reading CSV and XLSX tables from untrusted uploads, with limits and line-numbered errors.

What the reader does (see :func:`read_table`):

- **format**: XLSX by its zip signature (or a ``.xlsx``/``.xlsm`` name), else CSV;
- **encoding** (CSV): UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else
  Windows-1252; bytes that are none of these, or text holding NUL characters, are a 400
  ``unreadable-file`` (never a UnicodeDecodeError);
- **delimiter** (CSV): ``;``, tab or ``,``, the one that makes a header row of the expected columns
  (or given in the spec; Excel's ``sep=;`` first line is honoured);
- **header**: found in the first ``header_search_rows`` non-blank rows (title rows above it are
  skipped); names matched case-insensitively, internal whitespace collapsed, against each field's
  aliases; a required column missing → 422 ``import-rejected`` naming every missing column;
- **cells**: stripped; blank → ``None``; XLSX keeps its types (numbers, dates, booleans);
- **limits**: ``max_bytes`` (413 ``file-too-large``), ``max_rows`` data rows (413
  ``too-many-rows``), ``max_columns`` (400 ``too-many-columns``), ``max_field_chars`` per cell
  (a line-numbered error); XLSX: total uncompressed size of the zip (413, the zip-bomb guard), rows
  scanned (blank ones included), columns read (``max_col``), defusedxml for the XML;
- **errors**: every problem with its line number. Structural row errors (a cell too long, a row with
  more cells than the header) go to the ``errors`` collector when given (so they are reported with
  the service's own cell errors), else the file is rejected once reading ends. A CSV the parser
  cannot continue (e.g. a field over the csv module's 128 KB limit) ends reading with that line's
  error plus those found before it.
"""

from __future__ import annotations

from hanke_libs.tabular.cells import ImportErrors
from hanke_libs.tabular.csv_reader import decode, read_csv
from hanke_libs.tabular.table import XLSX_SIGNATURE, Column, Row, Table, TableSpec, _too_large
from hanke_libs.tabular.xlsx_reader import read_xlsx

__all__ = ["Column", "Row", "Table", "TableSpec", "decode", "read_table"]


def read_table(
    data: bytes, filename: str | None, spec: TableSpec, *, errors: ImportErrors | None = None
) -> Table:
    """Read a CSV or XLSX upload by ``spec`` (see the module docstring for what is checked).

    Structural row errors are added to ``errors`` when given (the rows are left out); without a
    collector they reject the file (422 ``import-rejected``) once reading ends. CPU-bound: call it
    through ``starlette.concurrency.run_in_threadpool`` (or ``asyncio.to_thread``) from a route.
    """
    if len(data) > spec.max_bytes:
        raise _too_large(
            f"The file is {len(data)} bytes; at most {spec.max_bytes} bytes are read. Split it into smaller files."
        )
    own = errors is None
    collector = errors if errors is not None else ImportErrors()
    name = (filename or "").lower()
    if data[:4] == XLSX_SIGNATURE or name.endswith((".xlsx", ".xlsm")):
        table = read_xlsx(data, spec, collector)
    else:
        table = read_csv(data, spec, collector)
    table.errors = list(collector.items)
    if own:
        collector.raise_if_any()
    return table

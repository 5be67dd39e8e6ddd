"""One tabular reader and writer for every import and export (CSV and XLSX).

Reading an upload (:mod:`~hanke_libs.tabular.reading`, typed cells in :mod:`~hanke_libs.tabular.cells`)::

    from hanke_libs.tabular import ImportErrors, TableSpec, parse_amount, parse_date, parse_text, read_table

    LEDGER = TableSpec.of(
        {
            "voucher": ("Tosite", "voucher"),
            "day": ("Tositepäivä", "Päivämäärä", "date"),
            "debit": ("Debet",),
            "credit": ("Kredit",),
            "description": ("Selite",),
        },
        required=["voucher", "day", "debit", "credit"],
        max_rows=500_000,
    )

    errors = ImportErrors()
    table = await run_in_threadpool(read_table, data, filename, LEDGER, errors=errors)
    for row in table.rows:                       # row.line is the line a person sees in Excel
        day = errors.cell(row, "day", parse_date, required=True)
        debit = errors.cell(row, "debit", parse_amount)
        text = errors.cell(row, "description", parse_text, max_length=500)
    errors.raise_if_any()                        # 422 import-rejected listing every bad line

Problems, all RFC 9457 documents: 400 ``unreadable-file`` (not UTF-8/Windows-1252/UTF-16 text,
binary, a broken workbook), 400 ``too-many-columns``, 413 ``file-too-large`` (bytes, or an XLSX that
unpacks too large), 413 ``too-many-rows``, 422 ``import-rejected`` (missing or duplicated columns,
every bad cell with its line).

Writing an export (:mod:`~hanke_libs.tabular.writing`) and answering it
(:mod:`~hanke_libs.tabular.responses`)::

    from hanke_libs.tabular import Column, ExportFormat, FILE_RESPONSES, Sheet, table_response

    @router.get("/projects/{code}/claims/{number}/export", response_class=Response, responses=FILE_RESPONSES)
    async def export_claim(code: Code, number: Id, session: SessionDep, format: ExportFormat = "xlsx") -> Response:
        claim = ...
        sheet = Sheet(
            name=f"Maksatushakemus {number}",
            columns=["Tosite", Column("Tositepäivä", "date"), "Selite", Column("Summa", "money")],
            rows=[[e.voucher_ref, e.entry_date, e.description, e.amount] for e in entries],
            preamble=[("Hanke", project.code), ("Kausi", f"{start:%-d.%-m.%Y}–{end:%-d.%-m.%Y}"),
                      ("Tila", claim.status), ("Haettu ESR", claim.claimable_esr)],
            totals=[["Yhteensä", None, None, total]],
        )
        return await table_response(format, sheet, filename=f"maksatushakemus-{code}-{number}")

Every text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'`` in front (OWASP),
characters XML cannot hold become U+FFFD, numbers and dates are typed cells, and the file name goes
out as RFC 6266/5987 ``filename``/``filename*``.
"""

from hanke_libs.tabular.cells import (
    CellError,
    ImportErrors,
    ImportRejected,
    cell_str,
    parse_amount,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
)
from hanke_libs.tabular.reading import Column as InputColumn
from hanke_libs.tabular.reading import Row, Table, TableSpec, decode, read_table
from hanke_libs.tabular.responses import (
    CSV_MEDIA_TYPE,
    FILE_RESPONSES,
    XLSX_MEDIA_TYPE,
    ExportFormat,
    content_disposition,
    table_response,
)
from hanke_libs.tabular.writing import (
    Column,
    CsvOptions,
    Sheet,
    clean_text,
    neutralise,
    write_csv,
    write_xlsx,
)

__all__ = [
    "CSV_MEDIA_TYPE",
    "FILE_RESPONSES",
    "XLSX_MEDIA_TYPE",
    "CellError",
    "Column",
    "CsvOptions",
    "ExportFormat",
    "ImportErrors",
    "ImportRejected",
    "InputColumn",
    "Row",
    "Sheet",
    "Table",
    "TableSpec",
    "cell_str",
    "clean_text",
    "content_disposition",
    "decode",
    "neutralise",
    "parse_amount",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_text",
    "read_table",
    "table_response",
    "write_csv",
    "write_xlsx",
]

"""Reading an uploaded file as a table: CSV (UTF-8, with or without a BOM; comma, semicolon or tab) or XLSX.

Whatever cannot be read as a table is an ``Invalid`` naming the file (a 400, a form error), before anything is
stored: another encoding, NUL bytes, no header, a required column missing, no data rows, too many rows, a
broken or oversized workbook, or a workbook with formulas (their results are whatever the spreadsheet last
computed, if it did: we take values only). One leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or carriage
return is dropped from every cell: the CSV writer adds it, so an export re-imports unchanged.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from inventory_site.csv_export import FORMULA_STARTS
from inventory_site.exceptions import Invalid, lazy_message

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before openpyxl unpacks it
CSV_DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


@dataclass
class Table:
    file_format: str  # csv or xlsx
    columns: list[str]  # the recognised columns, in the file's order
    rows: list[tuple[int, dict[str, str]]]  # (row number from 1, {column: text}); blank rows left out


def bad_file(message: str) -> Invalid:
    return Invalid.of({"file": [message]})


def unescape(text: str) -> str:
    """Drop the one ``'`` an export puts before a formula-like start."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def read_table(data: bytes, *, known: tuple[str, ...], required: tuple[str, ...]) -> Table:
    """The file's rows as ``{column: text}`` for the ``known`` columns (others are ignored)."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise bad_file(_("The file is empty."))
    if data.startswith(OLE_MAGIC):
        raise bad_file(
            _("This is an old binary .xls workbook: save it as .xlsx or as CSV UTF-8, then upload it again.")
        )
    records = _xlsx_records(data) if data.startswith(XLSX_MAGIC) else _csv_records(data)
    file_format = "xlsx" if data.startswith(XLSX_MAGIC) else "csv"
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header):
        raise bad_file(_("The first row must be the header (the column names); it is empty."))
    positions = _positions(header, known, required)
    rows = []
    for number, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise bad_file(
                lazy_message(
                    _("The file has more than %(maximum)s rows: split it into several files."), maximum=f"{MAX_ROWS:,}"
                )
            )
        rows.append((number, {name: unescape(record[i]) if i < len(record) else "" for name, i in positions.items()}))
    if not rows:
        raise bad_file(_("The file has a header but no data rows."))
    return Table(file_format=file_format, columns=list(positions), rows=rows)


def _positions(header: list[str], known: tuple[str, ...], required: tuple[str, ...]) -> dict[str, int]:
    names = [unescape(cell).strip().lower() for cell in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in known:
            if name in positions:
                raise bad_file(lazy_message(_("The column %(name)s appears twice in the header."), name=name))
            positions[name] = index
    missing = [name for name in required if name not in positions]
    if missing:
        found = ", ".join(name for name in names if name) or "none"
        lacks = (
            _("The header lacks the required columns %(missing)s (found: %(found)s). Expected columns: %(known)s.")
            if len(missing) > 1
            else _("The header lacks the required column %(missing)s (found: %(found)s). Expected columns: %(known)s.")
        )
        raise bad_file(lazy_message(lacks, missing=", ".join(missing), found=found[:300], known=", ".join(known)))
    return positions


# --- CSV ----------------------------------------------------------------------------------------------------
def _csv_records(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise bad_file(
            lazy_message(
                _(
                    "The file is not UTF-8 text (byte %(byte)s cannot be read): save it as 'CSV UTF-8' or as XLSX, "
                    "then upload it again."
                ),
                byte=error.start + 1,
            )
        ) from None
    if "\x00" in text:
        raise bad_file(_("The file holds NUL bytes: it is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count) if any(d in first_line for d in CSV_DELIMITERS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _checked(reader)


def _checked(reader):
    try:
        yield from reader
    except csv.Error as error:
        raise bad_file(
            lazy_message(
                _("The file is not a readable CSV (line %(line)s: %(error)s)."), line=reader.line_num, error=error
            )
        ) from None


# --- XLSX ---------------------------------------------------------------------------------------------------
def _xlsx_records(data: bytes):
    """The first sheet's rows (openpyxl refuses XML bombs with defusedxml installed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise bad_file(_("The file is not a readable XLSX workbook (a damaged or partial file).")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise bad_file(_("The workbook unpacks to more than 200 MB: save the sheet as CSV UTF-8 instead."))
    return _xlsx_rows(data)


def _xlsx_rows(data: bytes):
    workbook = None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        for row in workbook.worksheets[0].iter_rows():
            yield _xlsx_record(row)
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - a third-party parser on untrusted bytes: any failure means "unreadable"
        raise bad_file(_("The file is not a readable XLSX workbook.")) from None
    finally:
        if workbook is not None:
            workbook.close()


def _xlsx_record(row) -> list[str]:
    cells = []
    for cell in row:
        if getattr(cell, "data_type", None) == "f":
            raise bad_file(
                lazy_message(
                    _(
                        "The sheet holds formulas (cell %(cell)s: %(formula)s): copy the sheet and paste it as values "
                        "only, then upload it again."
                    ),
                    cell=cell.coordinate,
                    formula=str(cell.value)[:60],
                )
            )
        cells.append(_text(getattr(cell, "value", None)))
    return cells


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)

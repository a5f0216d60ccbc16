"""A CustomerList as an Excel workbook (.xlsx), through openpyxl.

openpyxl costs about a second of CPU to import: only the route that serves the workbook and the CLI
import this module, so no other route pays for it.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from daifuku.domain.customer_list import Cell, CellKind, CustomerList

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    CellKind.TEXT: "@",  # Excel's text format: a typed-over 000123 stays 000123 too
    CellKind.NUMBER: "#,##0",
    CellKind.DATE: "yyyy/mm/dd",
    CellKind.DATETIME: "yyyy/mm/dd hh:mm",
}
MAX_COLUMN_WIDTH = 40


def workbook_bytes(customers: CustomerList) -> bytes:
    """The .xlsx file: one sheet, a bold header row that stays in view, a filter on every column.

    Written in openpyxl's write-only (streaming) mode: a few thousand customers fit well inside the
    API's time limit.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(customers.title)
    widths = [_width(column.header) for column in customers.columns]
    for values in customers.rows:
        for index, value in enumerate(values):
            widths[index] = max(widths[index], _width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(customers.columns))}{len(customers.rows) + 1}"
    bold = Font(bold=True)
    header = []
    for column in customers.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [NUMBER_FORMATS[column.kind] for column in customers.columns]
    text = [column.kind is CellKind.TEXT for column in customers.columns]
    for values in customers.rows:
        cells = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(sheet, value=_cell_value(value))
            if text[index] and value is not None:
                # Never a formula: a LINE display name is whatever the customer typed, "=…" included.
                cell.data_type = "s"
            cell.number_format = formats[index]
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_value(value: Cell) -> Cell:
    # openpyxl refuses control characters in a cell; the ledger's text never needs them.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _width(value: object) -> int:
    """A column width in characters, counting a full-width character as two."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if ord(character) > 0x2E7F else 1 for character in text)

"""GET /liff/api/staff/exports/customers.xlsx: the owner's 顧客一覧 as an Excel workbook.

The same list as `daifuku export --for-excel` (daifuku.domain.customer_list). openpyxl is imported here
on the first download, never on another route's path. Every download is audited: the file holds every
customer's personal data.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from daifuku.domain.customer_list import customer_list
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import shop_config, staff_desk

AUDIT_ACTION = "customers.export"


def customer_list_response(request: BaseRouter, actor: str) -> Response:
    """The workbook as a download named 顧客一覧-<shop's date>.xlsx; never cached on the way."""
    from daifuku.adapters.xlsx_workbook import XLSX_CONTENT_TYPE, workbook_bytes

    wiring = current_wiring()
    customers = customer_list(
        wiring.table.member_reader().every_member(), shop_config(request), wiring.timezone
    )
    content = workbook_bytes(customers)
    staff_desk(request).audit(actor, AUDIT_ACTION, None, rows=len(customers.rows))
    day = datetime.now(wiring.timezone).strftime("%Y%m%d")
    return Response(
        status_code=200,
        content_type=XLSX_CONTENT_TYPE,
        body=content,
        headers={
            "Content-Disposition": f'attachment; filename="customers-{day}.xlsx"; '
            f"filename*=UTF-8''{quote(f'顧客一覧-{day}.xlsx')}",
            "Cache-Control": "no-store",
        },
    )

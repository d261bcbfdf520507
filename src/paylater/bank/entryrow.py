"""A bank entry on its way into ``bank_entries``: a list of its column values, in :data:`COLUMNS`
order.

A file's entries are prepared by the reader process and sent to the importing process by the
million; as plain lists they are about half as costly to build, send and bind as one mapping per
entry. The import reads and sets single fields by the positions below.
"""

from __future__ import annotations

from typing import Any

COLUMNS = (
    "id",
    "identity",
    "file_id",
    "account",
    "amount",
    "currency",
    "direction",
    "status",
    "booking_date",
    "servicer_ref",
    "end_to_end_id",
    "reference",
    "unstructured",
    "payer_name",
    "return_reason",
    "state",
    "order_id",
    "instalment_id",
    "applied_amount",
    "created_at",
    "updated_at",
)
ID = COLUMNS.index("id")
FILE_ID = COLUMNS.index("file_id")
AMOUNT = COLUMNS.index("amount")
CURRENCY = COLUMNS.index("currency")
END_TO_END_ID = COLUMNS.index("end_to_end_id")
STATE = COLUMNS.index("state")
ORDER_ID = COLUMNS.index("order_id")
INSTALMENT_ID = COLUMNS.index("instalment_id")
APPLIED_AMOUNT = COLUMNS.index("applied_amount")

EntryRow = list[Any]


def as_mapping(row: EntryRow) -> dict[str, Any]:
    """The row by column name."""
    return dict(zip(COLUMNS, row, strict=True))

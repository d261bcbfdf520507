"""The lender's admin API for overdue debt: ageing, collections cases, the export, write-offs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from paylater.api.http import json_response, services
from paylater.checkout.schemas import ApiModel
from paylater.collections import service
from paylater.collections.ageing import ageing
from paylater.collections.models import CASE_STATUSES
from paylater.credit.countries import rules_for
from paylater.kit.errors import BadValue
from paylater.merchants.routes import require_admin

router = APIRouter(tags=["Collections"], dependencies=[Depends(require_admin)])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid request (`BAD_VALUE`)"},
    401: {"description": "Missing or wrong admin bearer token"},
    404: {"description": "Not found, or the admin API is disabled"},
    409: {"description": "The case is not open (`CASE_NOT_OPEN`)"},
}
CountryFilter = Annotated[str | None, Query(description="ISO 3166-1 alpha-2 country", max_length=2)]


class BucketRead(ApiModel):
    bucket: str
    min_days: int
    max_days: int | None
    instalments: int
    amount: int


class CurrencyAgeing(ApiModel):
    currency: str
    buckets: list[BucketRead]
    instalments: int
    amount: int


class AgeingRead(ApiModel):
    as_of: str
    country: str | None
    currencies: list[CurrencyAgeing]


class CaseRead(ApiModel):
    case_id: str
    consumer_id: str
    order_id: str
    country: str
    currency: str
    amount_owed_at_opening: int
    amount_owed: int
    oldest_due_date: str
    days_overdue_at_opening: int
    opened_on: str
    status: str
    closed_on: str | None
    written_off_amount: int | None
    write_off_entry_id: str | None


def _country(country: str | None) -> str | None:
    if country is None:
        return None
    if len(country) != 2 or rules_for(country) is None:
        raise BadValue(f"country {country!r} is not served")
    return country.upper()


@router.get("/admin/v1/collections/ageing", response_model=AgeingRead, responses=ERRORS)
async def read_ageing(request: Request, country: CountryFilter = None) -> Response:
    """Overdue instalments per currency and ageing bucket (1–30, 31–60, 61–90, 90+ days)."""
    found = services(request)
    code = _country(country)
    today = found.clock.today()
    report = await found.database.run_async(
        lambda connection: ageing(connection, today, country=code), readonly=True
    )
    return json_response(report.as_dict())


@router.get("/admin/v1/collections/cases", response_model=list[CaseRead], responses=ERRORS)
async def list_cases(
    request: Request,
    status: Annotated[str | None, Query(description="open, closed or written_off")] = None,
    country: CountryFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Collections cases, most recently opened first."""
    if status is not None and status not in CASE_STATUSES:
        raise BadValue(f"status must be one of {', '.join(CASE_STATUSES)}")
    code = _country(country)
    found = services(request)

    def work(connection: Connection) -> list[dict[str, Any]]:
        return service.list_cases(
            connection, status=status, country=code, limit=limit, offset=offset
        )

    return json_response(await found.database.run_async(work, readonly=True))


@router.get(
    "/admin/v1/collections/export.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "open cases"}},
    response_class=Response,
)
async def export_cases(request: Request, country: CountryFilter = None) -> Response:
    """Open cases as CSV for a collections agency: what is owed now, in major units."""
    found = services(request)
    code = _country(country)
    today = found.clock.today()
    text = await found.database.run_async(
        lambda connection: service.export_csv(connection, today, country=code), readonly=True
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="collections-{today.isoformat()}.csv"'
        },
    )


@router.post(
    "/admin/v1/collections/cases/{case_id}/write-off", response_model=CaseRead, responses=ERRORS
)
async def write_off(case_id: str, request: Request) -> Response:
    """Write off an open case's remaining debt to credit losses (once; 409 afterwards)."""
    found = services(request)
    now = found.clock.now()
    case = await found.database.run_async(
        lambda connection: service.write_off(connection, case_id, at=now)
    )
    return json_response(case)

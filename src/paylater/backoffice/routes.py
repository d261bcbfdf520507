"""HTTP routes of this package: the merchant portal (``/merchant``) and the back office
(``/backoffice``). Pages, not API: none of them is in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from paylater.backoffice.merchant_pages import router as merchant_router
from paylater.backoffice.merchant_settings import router as settings_router
from paylater.backoffice.operator_pages import router as operator_router
from paylater.backoffice.pages import HERE
from paylater.backoffice.sign_in import router as sign_in_router

router = APIRouter(include_in_schema=False)
router.include_router(sign_in_router)
router.include_router(merchant_router)
router.include_router(settings_router)
router.include_router(operator_router)
STYLESHEET = (HERE / "static" / "staff.css").read_bytes()


@router.get("/staff-static/staff.css")
async def stylesheet() -> Response:
    return Response(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )

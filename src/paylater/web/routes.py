"""HTTP routes of this package: the hosted checkout and widget, demo shop, consumer portal.

None of these pages is part of the merchant API, so none is in its OpenAPI document.
"""

from __future__ import annotations

from fastapi import APIRouter

from paylater.web.checkout_pages import router as checkout_router
from paylater.web.devtools import router as devtools_router
from paylater.web.portal import router as portal_router
from paylater.web.portal_actions import router as portal_actions_router
from paylater.web.portal_disputes import router as portal_disputes_router
from paylater.web.shop import router as shop_router

router = APIRouter(include_in_schema=False)
router.include_router(devtools_router)
router.include_router(checkout_router)
router.include_router(shop_router)
router.include_router(portal_router)
router.include_router(portal_actions_router)
router.include_router(portal_disputes_router)

"""HTTP routes of this package."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

"""Inspections, photos, hazards and rectifications."""

from __future__ import annotations

from tests.authz.case import Case

CASES: list[Case] = []

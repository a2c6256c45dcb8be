"""Attendance: faces, punches, reports."""

from __future__ import annotations

from tests.authz.case import Case

CASES: list[Case] = []

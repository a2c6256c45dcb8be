"""Equipment ledger, material batches and scans."""

from __future__ import annotations

from tests.authz.case import Case

CASES: list[Case] = []

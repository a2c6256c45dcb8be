"""The access policy written out, one module per area (see tests/integration/test_authz_matrix.py).

Each area module exports `CASES`; `ALL_CASES` joins them. Keeping areas apart lets each
domain add its endpoints without touching the others' lists.
"""

from tests.authz import attendance, core, equipment, events, inspections
from tests.authz.case import Case

ALL_CASES: list[Case] = [
    *core.CASES,
    *attendance.CASES,
    *events.CASES,
    *equipment.CASES,
    *inspections.CASES,
]

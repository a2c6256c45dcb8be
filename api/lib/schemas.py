"""Schema pieces every domain shares: constrained strings, pagination."""

from __future__ import annotations

from typing import Annotated

import msgspec

# PostgreSQL text cannot hold NUL, and control characters (C0 and C1) in names only ever
# come from broken clients or probes: refusing them here keeps them a 400 instead of a 500.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
PRINTABLE = rf"^[^{_CONTROLS}]*$"
# Spelled out rather than \s: the server checks patterns with Python's re, clients and
# the OpenAPI document with ECMAScript's, and the two disagree on what \s holds (U+0085,
# U+FEFF).
_SPACES = r"\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=PRINTABLE)]
Login = Annotated[
    str, msgspec.Meta(min_length=3, max_length=100, pattern=rf"^[^{_CONTROLS}{_SPACES}:]+$")
]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=200, pattern=r"^[^\x00]*$")]
# What a login form may send: looser than Login (old accounts, typos) but bounded.
LoginAttempt = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]+$")]

Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]
# Bounded: PostgreSQL's OFFSET is a bigint, and a larger number was a 500.
Offset = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
DEFAULT_LIMIT = 50

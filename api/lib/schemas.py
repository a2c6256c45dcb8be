"""Schema pieces every domain shares: constrained strings, pagination."""

from __future__ import annotations

from typing import Annotated

import msgspec

# PostgreSQL text cannot hold NUL, and control characters in names only ever come from
# broken clients or probes: refusing them here keeps them a 400 instead of a 500.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_PRINTABLE)]
Login = Annotated[str, msgspec.Meta(min_length=3, max_length=100, pattern=r"^[^\s:\x00-\x1f]+$")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=200, pattern=r"^[^\x00]*$")]
# What a login form may send: looser than Login (old accounts, typos) but bounded.
LoginAttempt = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]+$")]

Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]
# Bounded: PostgreSQL's OFFSET is a bigint, and a larger number was a 500.
Offset = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
DEFAULT_LIMIT = 50

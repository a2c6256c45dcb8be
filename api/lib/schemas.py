"""Schema pieces every domain shares: constrained strings, pagination."""

from __future__ import annotations

from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Login = Annotated[str, msgspec.Meta(min_length=3, max_length=100, pattern=r"^[^\s:]+$")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=200)]
Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]+$")]

Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]
Offset = Annotated[int, msgspec.Meta(ge=0)]
DEFAULT_LIMIT = 50

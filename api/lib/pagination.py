"""`?limit=&offset=` for every list, newest first (API.md conventions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from litestar.params import Parameter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def provide_page(
    limit: int = Parameter(query="limit", default=50, ge=1, le=500),
    offset: int = Parameter(query="offset", default=0, ge=0),
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


async def fetch_page(
    session: AsyncSession, query: Select[T], page: PageParams
) -> tuple[list[T], int]:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.scalars(query.limit(page.limit).offset(page.offset))).all()
    return list(rows), int(total or 0)


def page_body(items: list[Any], total: int, page: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}

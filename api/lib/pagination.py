"""`?limit=&offset=` for every list, newest first (API.md conventions), and the one
page type every list answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import KwargDefinition, QueryParameter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Item = TypeVar("Item")


class Page(msgspec.Struct, Generic[Item]):
    """One page of a list: its items, how many there are in all, and the window asked
    for. A list that says more about its items (the hazard queue names the model that
    flagged them) subclasses it generically, so its items keep their type."""

    items: list[Item]
    total: int
    limit: int
    offset: int


def schema_name(name: str) -> KwargDefinition:
    """The OpenAPI component name of a generic instantiation, for `Annotated`.

    Litestar names `Page[SiteOut]` after the item's full module path
    (`Page_api.domain.sites.schemas.SiteOut_`), which changes whenever a module moves
    and reads badly in the PWA's generated types; each list names its page instead:
    `SitePage = Annotated[Page[SiteOut], schema_name("SitePage")]`."""
    return KwargDefinition(schema_component_key=name)


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int

    def of(self, items: list[Item], total: int) -> Page[Item]:
        """The page of these items, out of `total`, for the window asked for."""
        return Page(items=items, total=total, limit=self.limit, offset=self.offset)


# PostgreSQL's OFFSET is a bigint: a larger number was a 500 (found by the fuzzer).
MAX_OFFSET = 2**31 - 1


def provide_page(
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


async def fetch_page(
    session: AsyncSession, query: Select[T], page: PageParams
) -> tuple[list[T], int]:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.scalars(query.limit(page.limit).offset(page.offset))).all()
    return list(rows), int(total or 0)

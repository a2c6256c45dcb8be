"""Dates on a site: the site's own calendar day, certificates that run out, and the
times phones report for things they recorded offline.

"Today" is the site's calendar day, not UTC's: a crane inspected in Beijing is due on
Beijing's date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from litestar.params import KwargDefinition, QueryParameter

from api.lib.errors import Invalid

# Long enough to order a re-inspection or a new certificate before it lapses.
EXPIRING_WITHIN_DAYS = 30

CertificateState = Literal["missing", "expired", "expiring", "valid"]


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def site_today(timezone: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(_zone(timezone)).date()


def certificate_state(expires_on: date | None, today: date, *, present: bool) -> CertificateState:
    """`present`: whether there is a certificate at all (a file, or a number on record).
    A certificate is valid through its expiry date."""
    if not present:
        return "missing"
    if expires_on is None:
        return "valid"
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return "expiring"
    return "valid"


# Python's date and datetime, which asyncpg reads every PostgreSQL date and timestamptz
# into, run from year 1 to 9999 (PostgreSQL itself holds far more). A time at either edge
# leaves that range as soon as it is moved to UTC or into a site's zone, or a day is added
# for a local day's bounds: `0001-01-01T00:00:00+14:00` is in year 0 in UTC, and the daily
# board of 9999-12-31 ends in the year 10000. Every date and time the API takes is held a
# day inside, where it is parsed, so no zone (at most a day off UTC) nor a day's step
# can cross the edge later.
EARLIEST_DAY = date.min + timedelta(days=1)
LATEST_DAY = date.max - timedelta(days=1)

D = TypeVar("D", bound=date)


def in_range(value: D, field: str) -> D:
    """`value` (a date, or a time with or without an offset) if it lies within EARLIEST_DAY
    and LATEST_DAY (in UTC), else 422 `<field>_invalid`."""
    day: date | None = value
    if isinstance(value, datetime):
        try:
            day = value.astimezone(UTC).date() if value.tzinfo is not None else value.date()
        except OverflowError:
            day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        raise Invalid(
            f"{field} is outside the dates the server keeps "
            f"({EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()})",
            code=f"{field}_invalid",
        )
    return value


class TimesInRange(msgspec.Struct):
    """Base of every request struct with a date or time field: on decoding (JSON body or
    multipart meta alike) each one is held to `in_range`, so no service meets a time it
    cannot convert or store. The 422 is raised from here, not as a ValueError, which
    msgspec would turn into a generic 400 shape error."""

    def __post_init__(self) -> None:
        for name, wire_name in zip(
            self.__struct_fields__, self.__struct_encode_fields__, strict=True
        ):
            value: Any = getattr(self, name)
            if isinstance(value, date):  # datetime is a date too
                in_range(value, wire_name)


# A phone's clock may run a little fast; further ahead than this is a broken clock.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
# A queued offline record older than this is more likely a wrong clock than a real one.
MAX_RECORD_AGE = timedelta(days=90)


def client_time(value: datetime | None, field: str) -> datetime:
    """When something happened by the phone's account (it may sync hours later), or now.
    Needs an offset; refused when in the future or implausibly old."""
    now = datetime.now(UTC)
    if value is None:
        return now
    if value.tzinfo is None:
        raise Invalid(f"{field} needs a UTC offset", code=f"{field}_invalid")
    if value > now + MAX_CLOCK_AHEAD or value < now - MAX_RECORD_AGE:
        raise Invalid(f"{field} is in the future or more than 90 days ago", code=f"{field}_invalid")
    return value


# RFC 3339, the one form API.md gives times in. A query parameter typed `datetime` would
# also take "230" as 1970-01-01T00:03:50Z (the lax conversion reads numbers as Unix
# seconds), so a phone sending epoch milliseconds would silently ask about the year
# 50,000: time filters are strings held to this pattern. The offset is optional here and
# checked where it is needed, with that field's own code (422 `since_invalid`).
RFC3339_INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


def instant_query(name: str | None = None) -> KwargDefinition:
    """A time filter in the query string (`name` when it is a Python keyword)."""
    return QueryParameter(
        name=name,
        pattern=RFC3339_INSTANT,
        description="RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00",
    )


def parse_instant(value: str | None, field: str) -> datetime | None:
    """A time filter that matched RFC3339_INSTANT as a datetime (a pattern match can
    still name a day that does not exist, e.g. February 30th)."""
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError as exc:
        raise Invalid(f"{field} is not a time that exists", code=f"{field}_invalid") from exc
    return in_range(instant, field)

"""The one range every date and time the API takes is held to (api/lib/dates.py)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import date, datetime

import msgspec
import pytest

import api
from api.lib.dates import EARLIEST_DAY, LATEST_DAY, TimesInRange, in_range
from api.lib.errors import Invalid


@pytest.mark.parametrize(
    "value",
    [
        EARLIEST_DAY,
        LATEST_DAY,
        datetime.fromisoformat("0001-01-02T00:00:00+00:00"),
        datetime.fromisoformat("0001-01-02T13:59:00-14:00"),
        datetime.fromisoformat("9999-12-30T23:59:59.999999+00:00"),
        datetime.fromisoformat("9999-12-31T13:59:59+14:00"),
        datetime.fromisoformat("2026-11-21T07:00:00"),
    ],
)
def test_the_range_holds_its_own_ends(value: date) -> None:
    assert in_range(value, "at") == value


@pytest.mark.parametrize(
    "value",
    [
        date.min,
        date.max,
        datetime.fromisoformat("0001-01-01T00:00:00+14:00"),
        datetime.fromisoformat("0001-01-01T00:00:00-14:00"),
        datetime.fromisoformat("0001-01-02T00:00:00+00:01"),
        datetime.fromisoformat("9999-12-31T00:00:00+00:00"),
        datetime.fromisoformat("9999-12-31T23:59:59-14:00"),
        datetime.fromisoformat("9999-12-31T23:59:59+14:00"),
        datetime.max,
    ],
)
def test_times_outside_are_the_fields_own_422(value: date) -> None:
    with pytest.raises(Invalid) as refused:
        in_range(value, "captured_at")
    assert refused.value.status_code == 422
    assert refused.value.code == "captured_at_invalid"


def _structs() -> Iterator[type[msgspec.Struct]]:
    for module in pkgutil.walk_packages(api.__path__, "api."):
        importlib.import_module(module.name)
    seen: list[type[msgspec.Struct]] = [msgspec.Struct]
    while seen:
        cls = seen.pop()
        seen.extend(cls.__subclasses__())
        if cls.__module__.startswith("api."):
            yield cls


def _holds_a_time(kind: msgspec.inspect.Type) -> bool:
    if isinstance(kind, msgspec.inspect.DateType | msgspec.inspect.DateTimeType):
        return True
    inner = getattr(kind, "types", None) or (getattr(kind, "item_type", None),)
    return any(t is not None and _holds_a_time(t) for t in inner)


def test_every_request_struct_with_a_time_checks_its_range() -> None:
    # Request bodies and upload metas refuse unknown fields (api/server/openapi_docs.py
    # documents them closed); a new one with a date or time must check it like the rest.
    unchecked = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in _structs()
        if cls.__struct_config__.forbid_unknown_fields
        and not issubclass(cls, TimesInRange)
        and any(_holds_a_time(f.type) for f in msgspec.inspect.type_info(cls).fields)  # type: ignore[attr-defined]
    ]
    assert unchecked == []

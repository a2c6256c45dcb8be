"""Events and webhooks: the absence alert is published once per streak, and webhooks
(generic JSON with an HMAC signature, WeCom robots) receive it, with retries."""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from procrastinate.tasks import Task
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import DeliveryStatus, Event, Punch, PunchKind, PunchStatus, Role, Webhook
from api.db.models import WebhookDelivery as Delivery
from api.domain.alerts.jobs import MAX_RETRIES, sweep
from api.domain.alerts.outbox import publish
from api.domain.attendance.jobs import absence_alerts
from api.jobs.app import job_app_open
from api.jobs.enqueue import job_queue_scope
from api.jobs.worker import run_until_idle
from tests.support.factories import World
from tests.support.live_server import free_port

R = Role
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "s3cret-for-the-receiver-0123"


@dataclasses.dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver on 127.0.0.1, answering from a script of statuses."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                status = receiver.script.pop(0) if receiver.script else 200
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.thread.start()
    try:
        yield rec
    finally:
        rec.server.shutdown()
        rec.server.server_close()
        rec.thread.join(timeout=5)


@pytest.fixture
def worker_settings(settings: Settings) -> Settings:
    # The receiver lives on loopback, which webhooks may reach only when allowed.
    return dataclasses.replace(
        settings, webhooks=dataclasses.replace(settings.webhooks, allow_private=True)
    )


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        yield s


async def _run_periodic(settings: Settings, task: Task[..., Any, ...], at: datetime) -> None:
    async with job_app_open(settings.db.url):
        await task.defer_async(timestamp=int(at.timestamp()))
    await run_until_idle(settings)


async def _hook(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    local_url: str,
    **body: Any,
) -> str:
    """Create a webhook through the API (public URL), then point it at the local
    receiver, which the API itself would refuse."""
    response = await api.post(
        "/api/webhooks",
        json={"url": "https://hooks.example.com/in", "kinds": ["attendance.absent"], **body},
        headers=world.headers(world.a.users[R.ADMIN]),
    )
    assert response.status_code == 201, response.text
    hook_id = response.json()["id"]
    async with engine.begin() as conn:
        await conn.execute(update(Webhook).where(Webhook.id == hook_id).values(url=local_url))
    return str(hook_id)


async def _punch_at(engine: AsyncEngine, world: World, at: datetime) -> None:
    maker = async_sessionmaker(engine)
    async with maker() as s, s.begin():
        s.add(
            Punch(
                id=uuid.uuid4(),
                company_id=world.a.company.id,
                site_id=world.a.site.id,
                user_id=world.a.users[R.WORKER].id,
                kind=PunchKind.IN,
                status=PunchStatus.ACCEPTED,
                reasons=[],
                checks={},
                lat=39.901,
                lon=116.301,
                accuracy_m=10,
                captured_at=at,
                received_at=at,
                age_s=0,
                device_id="phone-1",
            )
        )


def _next_monday() -> date:
    today = datetime.now(SHANGHAI).date()
    return today + timedelta(days=7 - today.weekday() + 7)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


async def _absences_of(engine: AsyncEngine, user_id: uuid.UUID) -> list[Event]:
    async with async_sessionmaker(engine)() as s:
        events = await s.scalars(
            select(Event)
            .where(
                Event.kind == "attendance.absent", Event.payload["user_id"].astext == str(user_id)
            )
            .order_by(Event.created_at)
        )
        return list(events)


async def test_absence_alert_is_published_once_per_streak_and_delivered(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    worker_settings: Settings,
    receiver: Receiver,
) -> None:
    await _hook(api, world, engine, receiver.url("/generic"), secret=SECRET)
    wecom = await _hook(
        api,
        world,
        engine,
        receiver.url("/cgi-bin/webhook/send?key=robot-key"),
        format="wecom",
        kinds=["*"],
    )
    worker = world.a.users[R.WORKER]
    monday = _next_monday()
    await _punch_at(engine, world, _at(monday, 9))

    # Thursday noon: Tuesday and Wednesday missed, two working days.
    await _run_periodic(worker_settings, absence_alerts, _at(monday, 12) + timedelta(days=3))
    assert await _absences_of(engine, worker.id) == []
    # Friday morning: Thursday was the third.
    await _run_periodic(worker_settings, absence_alerts, _at(monday, 8) + timedelta(days=4))
    events = await _absences_of(engine, worker.id)
    assert len(events) == 1
    assert events[0].payload["since"] == (monday + timedelta(days=1)).isoformat()
    assert events[0].payload["working_days"] == 3
    assert events[0].site_id == world.a.site.id
    # Saturday, and the next Monday (Sunday is no working day): the same streak.
    for days in (5, 7):
        await _run_periodic(worker_settings, absence_alerts, _at(monday, 8) + timedelta(days=days))
    assert len(await _absences_of(engine, worker.id)) == 1

    # Both of company A's webhooks got it, and nothing else (company B's absent worker
    # is published too, but never sent to company A).
    assert sorted(r.path for r in receiver.requests) == [
        "/cgi-bin/webhook/send?key=robot-key",
        "/generic",
    ]
    generic = next(r for r in receiver.requests if r.path == "/generic")
    body = json.loads(generic.body)
    assert body["kind"] == "attendance.absent"
    assert body["payload"]["user_id"] == str(worker.id)
    assert body["company_id"] == str(world.a.company.id)
    headers = {k.lower(): v for k, v in generic.headers.items()}
    expected = hmac.new(
        SECRET.encode(), headers["x-sitecheck-timestamp"].encode() + b"." + generic.body, "sha256"
    ).hexdigest()
    assert headers["x-sitecheck-signature"] == f"sha256={expected}"
    assert headers["x-sitecheck-event"] == "attendance.absent"
    robot = next(r for r in receiver.requests if r.path.startswith("/cgi-bin"))
    message = json.loads(robot.body)
    assert message["msgtype"] == "markdown"
    assert worker.name in message["markdown"]["content"]
    assert "x-sitecheck-signature" not in {k.lower() for k in robot.headers}

    # The deliveries are on record, visible to the admin.
    listed = await api.get(
        f"/api/webhooks/{wecom}/deliveries", headers=world.headers(world.a.users[R.ADMIN])
    )
    assert [(d["status"], d["attempts"]) for d in listed.json()["items"]] == [("delivered", 1)]

    # A punch ends the streak; the next three missed days are a new alert.
    next_monday = monday + timedelta(days=7)
    await _punch_at(engine, world, _at(next_monday, 9))
    await _run_periodic(worker_settings, absence_alerts, _at(next_monday, 8) + timedelta(days=4))
    events = await _absences_of(engine, worker.id)
    assert [e.payload["since"] for e in events] == [
        (monday + timedelta(days=1)).isoformat(),
        (next_monday + timedelta(days=1)).isoformat(),
    ]


async def test_events_are_listed_by_role_and_company(
    api: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    for tenant in (world.a, world.b):
        await publish(
            session,
            company_id=tenant.company.id,
            kind="attendance.absent",
            site_id=tenant.site.id,
            payload={"title": "Absent"},
        )
    await publish(session, company_id=world.a.company.id, kind="billing.notice", payload={})
    await session.commit()

    async def kinds(role: Role, query: str = "") -> list[str]:
        response = await api.get(f"/api/events{query}", headers=world.headers(world.a.users[role]))
        assert response.status_code == 200
        return sorted(e["kind"] for e in response.json()["items"])

    assert await kinds(R.ADMIN) == ["attendance.absent", "billing.notice"]
    assert await kinds(R.ADMIN, "?kind=billing.notice") == ["billing.notice"]
    assert await kinds(R.ADMIN, f"?site_id={world.a.site.id}") == ["attendance.absent"]
    # Managers see their sites' events, not company-wide ones.
    assert await kinds(R.MANAGER) == ["attendance.absent"]
    bad = await api.get(
        "/api/events?kind=Not A Kind", headers=world.headers(world.a.users[R.ADMIN])
    )
    assert bad.status_code == 400


async def test_publish_is_idempotent_by_dedupe_key(
    world: World, engine: AsyncEngine, session: AsyncSession
) -> None:
    first = await publish(
        session, company_id=world.a.company.id, kind="x.y", payload={}, dedupe_key="k1"
    )
    await session.commit()
    again = await publish(
        session, company_id=world.a.company.id, kind="x.y", payload={}, dedupe_key="k1"
    )
    assert first is not None
    assert again is None
    # The same key in another company is another event.
    other = await publish(
        session, company_id=world.b.company.id, kind="x.y", payload={}, dedupe_key="k1"
    )
    assert other is not None
    await session.commit()

    maker = async_sessionmaker(engine, expire_on_commit=False)

    async def racer() -> bool:
        async with maker() as s:
            event = await publish(
                s, company_id=world.a.company.id, kind="x.y", payload={}, dedupe_key="race"
            )
            await s.commit()
            return event is not None

    assert sorted(await asyncio.gather(*(racer() for _ in range(6)))) == [False] * 5 + [True]
    with pytest.raises(ValueError, match="kind"):
        await publish(session, company_id=world.a.company.id, kind="Bad Kind", payload={})


async def _one_delivery(
    session: AsyncSession, world: World, settings: Settings, *, defer: bool = True
) -> uuid.UUID:
    with job_queue_scope() as jobs:
        event = await publish(
            session, company_id=world.a.company.id, kind="attendance.absent", payload={"n": 1}
        )
        assert event is not None
        await session.commit()
        if defer:
            async with job_app_open(settings.db.url):
                assert await jobs.flush() == 1
    delivery = await session.scalar(select(Delivery.id).where(Delivery.event_id == event.id))
    assert delivery is not None
    return delivery


async def _delivery(
    engine: AsyncEngine, ident: uuid.UUID
) -> tuple[DeliveryStatus, int, str | None]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(Delivery.status, Delivery.attempts, Delivery.last_error).where(
                    Delivery.id == ident
                )
            )
        ).one()
    return row[0], row[1], row[2]


async def _make_retries_due(engine: AsyncEngine, attempts: int | None = None) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE procrastinate_jobs SET scheduled_at = now()"
                + (", attempts = :attempts" if attempts is not None else "")
                + " WHERE status = 'todo' AND task_name = 'events:events.deliver'"
            ),
            {"attempts": attempts} if attempts is not None else {},
        )


async def test_failed_deliveries_are_retried_then_given_up(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    session: AsyncSession,
    worker_settings: Settings,
    receiver: Receiver,
) -> None:
    await _hook(api, world, engine, receiver.url("/flaky"))
    receiver.script = [500, 503]
    ident = await _one_delivery(session, world, worker_settings)
    await run_until_idle(worker_settings)
    assert await _delivery(engine, ident) == (DeliveryStatus.PENDING, 1, "HTTP 500")
    # The retry waits (backoff); once it is due it runs, and the third attempt succeeds.
    await run_until_idle(worker_settings)
    assert len(receiver.requests) == 1
    for _ in range(2):
        await _make_retries_due(engine)
        await run_until_idle(worker_settings)
    status, attempts, _ = await _delivery(engine, ident)
    assert (status, attempts) == (DeliveryStatus.DELIVERED, 3)
    assert len({r.headers["X-SiteCheck-Delivery"] for r in receiver.requests}) == 1

    # A receiver that never recovers: the last allowed attempt marks the delivery failed.
    receiver.script = [500] * 3
    ident = await _one_delivery(session, world, worker_settings)
    await run_until_idle(worker_settings)
    await _make_retries_due(engine, attempts=MAX_RETRIES)
    await run_until_idle(worker_settings)
    status, attempts, error = await _delivery(engine, ident)
    assert (status, attempts, error) == (DeliveryStatus.FAILED, 2, "HTTP 500")


# IPv6 spellings that reach an IPv4 address: mapped, IPv4-compatible, NAT64 (well-known
# and local-use prefixes), IPv4-translated, 6to4, and Teredo (client 127.0.0.1).
_EMBEDDINGS = (
    "::ffff:{v4}",
    "::{v4}",
    "64:ff9b::{v4}",
    "64:ff9b:1::{v4}",
    "::ffff:0:{v4}",
    "2002:{hi:x}:{lo:x}::1",
)
_TEREDO_TO_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"


def _embedded_hosts(v4: str) -> list[str]:
    number = int.from_bytes(bytes(int(part) for part in v4.split(".")))
    hi, lo = number >> 16, number & 0xFFFF
    return [f"[{form.format(v4=v4, hi=hi, lo=lo)}]" for form in _EMBEDDINGS]


_PRIVATE_V4 = ("127.0.0.1", "10.1.2.3", "169.254.169.254")
_HIDDEN_HOSTS = [
    *(host for v4 in _PRIVATE_V4 for host in _embedded_hosts(v4)),
    f"[{_TEREDO_TO_LOOPBACK}]",
    # Numbers the C resolver reads as 127.0.0.1 (and so does httpx).
    "127.1",
    "2130706433",
    "0x7f000001",
]


async def test_private_destinations_are_refused_when_sending(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    session: AsyncSession,
    settings: Settings,
    receiver: Receiver,
) -> None:
    port = receiver.server.server_address[1]
    # A name the worker resolves to loopback: the tenant learns it was refused, never
    # what it resolved to.
    hook_id = await _hook(api, world, engine, f"http://localhost:{port}/internal")
    for url in (receiver.url("/internal"), *(f"http://{h}:{port}/in" for h in _HIDDEN_HOSTS)):
        async with engine.begin() as conn:
            await conn.execute(update(Webhook).where(Webhook.id == hook_id).values(url=url))
        ident = await _one_delivery(session, world, settings)
        await run_until_idle(settings)  # webhook_allow_private is off
        status, attempts, error = await _delivery(engine, ident)
        assert (status, attempts, error) == (DeliveryStatus.FAILED, 1, "destination_not_allowed")
    assert receiver.requests == []
    deliveries = await api.get(
        f"/api/webhooks/{hook_id}/deliveries", headers=world.headers(world.a.users[R.ADMIN])
    )
    assert deliveries.status_code == 200, deliveries.text
    assert deliveries.json()["total"] == len(_HIDDEN_HOSTS) + 1
    for shown in ("127.0.0.1", "10.1.2.3", "169.254", "::", "localhost", "resolves"):
        assert shown not in deliveries.text


async def test_failures_are_recorded_without_the_resolver_or_socket_text(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    session: AsyncSession,
    settings: Settings,
    worker_settings: Settings,
) -> None:
    """A name that does not resolve and a port nobody listens on are recorded as fixed
    reasons (and retried), not as the resolver's or the socket's own message."""
    hook_id = await _hook(api, world, engine, "http://no-such-host.invalid/in")
    ident = await _one_delivery(session, world, settings)
    await run_until_idle(settings)
    assert await _delivery(engine, ident) == (DeliveryStatus.PENDING, 1, "destination_unresolved")
    async with engine.begin() as conn:
        await conn.execute(
            update(Webhook)
            .where(Webhook.id == hook_id)
            .values(url=f"http://127.0.0.1:{free_port()}/in")
        )
    ident = await _one_delivery(session, world, worker_settings)
    await run_until_idle(worker_settings)
    assert await _delivery(engine, ident) == (DeliveryStatus.PENDING, 1, "connect_failed")


async def test_webhook_urls_that_embed_a_private_ipv4_are_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(world.a.users[R.ADMIN])
    for host in _HIDDEN_HOSTS:
        response = await api.post(
            "/api/webhooks",
            json={"url": f"https://{host}/hook", "kinds": ["attendance.absent"]},
            headers=admin,
        )
        assert response.status_code == 422, host
        assert response.json()["code"] == "webhook_url_invalid", host
    # The same forms around a public IPv4 address are real destinations.
    for host in ("[64:ff9b::8.8.8.8]", "[2002:808:808::1]", "[::ffff:8.8.8.8]"):
        response = await api.post(
            "/api/webhooks",
            json={"url": f"https://{host}/hook", "kinds": ["attendance.absent"]},
            headers=admin,
        )
        assert response.status_code == 201, (host, response.text)


async def test_the_sweeper_sends_what_nobody_queued(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    session: AsyncSession,
    worker_settings: Settings,
    receiver: Receiver,
) -> None:
    await _hook(api, world, engine, receiver.url("/late"))
    ident = await _one_delivery(session, world, worker_settings, defer=False)
    await _run_periodic(worker_settings, sweep, datetime.now(UTC))
    # Too fresh: its publisher may still be queueing it.
    assert receiver.requests == []
    async with engine.begin() as conn:
        await conn.execute(
            update(Delivery)
            .where(Delivery.id == ident)
            .values(created_at=func.now() - timedelta(minutes=2))
        )
    await _run_periodic(worker_settings, sweep, datetime.now(UTC))
    assert [r.path for r in receiver.requests] == ["/late"]
    assert (await _delivery(engine, ident))[0] is DeliveryStatus.DELIVERED


async def test_webhook_api_validates_and_hides_secrets(
    api: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(world.a.users[R.ADMIN])

    async def create(**body: Any) -> httpx.Response:
        return await api.post(
            "/api/webhooks", json={"kinds": ["attendance.absent"], **body}, headers=admin
        )

    for url in (
        "ftp://hooks.example.com/x",
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://user:pw@hooks.example.com/x",
        "https:///no-host",
    ):
        response = await create(url=url)
        assert response.status_code == 422, url
        assert response.json()["code"] == "webhook_url_invalid"
    for body in (
        {"url": "https://hooks.example.com/x", "kinds": []},
        {"url": "https://hooks.example.com/x", "kinds": ["Not A Kind"]},
        {"url": "https://hooks.example.com/x", "format": "slack"},
        {"url": "https://hooks.example.com/x", "secret": "short"},
    ):
        response = await create(**body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "validation_error"

    robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4"
    ident = str(uuid.uuid4())
    created = await create(id=ident, url=robot, format="wecom", kinds=["*"], secret=SECRET)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert hook["has_secret"] is True
    assert SECRET not in created.text
    replay = await create(id=ident, url=robot, format="wecom", kinds=["*"], secret=SECRET)
    assert (replay.status_code, replay.json()) == (200, hook)
    listed = await api.get("/api/webhooks", headers=admin)
    assert [h["id"] for h in listed.json()["items"]] == [ident]
    assert "693axxx6" not in listed.text

    outsider = await api.delete(
        f"/api/webhooks/{ident}", headers=world.headers(world.b.users[R.ADMIN])
    )
    assert (outsider.status_code, outsider.json()["code"]) == (404, "webhook_not_found")
    assert (await api.delete(f"/api/webhooks/{ident}", headers=admin)).status_code == 204
    assert (await api.delete(f"/api/webhooks/{ident}", headers=admin)).status_code == 404
    audit = await api.get(f"/api/audit?entity=webhook&entity_id={ident}", headers=admin)
    assert [e["action"] for e in audit.json()["items"]] == ["delete", "create"]
    assert "693axxx6" not in audit.text
    assert SECRET not in audit.text

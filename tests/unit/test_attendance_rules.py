"""The pure rules behind punches, absence alerts and webhook messages."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from api.db.models import PunchStatus, WebhookFormat
from api.domain.alerts.webhooks import (
    DestinationRefused,
    EventMessage,
    WebhookUrlInvalid,
    build_request,
    check_destination,
    check_url,
    redact_url,
    wecom_content,
)
from api.domain.attendance import verdicts
from api.domain.attendance.absence import absence_streak
from api.domain.faces.recognition import FaceCheck

MON_TO_SAT = (1, 2, 3, 4, 5, 6)
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_seen", "today", "expected"),
    [
        # Punched Monday; Tuesday and Wednesday missed by Thursday: not yet.
        (MONDAY, MONDAY + timedelta(days=3), None),
        # By Friday, Thursday was the third working day.
        (MONDAY, MONDAY + timedelta(days=4), (MONDAY + timedelta(days=1), 3)),
        # Punched Thursday: Friday, Saturday, (Sunday off), Monday -> alert on Tuesday.
        (MONDAY + timedelta(days=3), MONDAY + timedelta(days=7), None),
        (MONDAY + timedelta(days=3), MONDAY + timedelta(days=8), (MONDAY + timedelta(days=4), 3)),
        # Punched today: nothing.
        (MONDAY, MONDAY, None),
    ],
)
def test_absence_streaks_count_working_days_up_to_yesterday(
    last_seen: date, today: date, expected: tuple[date, int] | None
) -> None:
    streak = absence_streak(last_seen, date(2026, 1, 1), today, MON_TO_SAT, 3)
    assert (None if streak is None else (streak.since, streak.working_days)) == expected


def test_a_streak_keeps_its_start_while_it_grows() -> None:
    starts = {
        absence_streak(MONDAY, date(2026, 1, 1), MONDAY + timedelta(days=d), MON_TO_SAT, 3)
        for d in range(4, 12)
    }
    assert {s.since for s in starts if s} == {MONDAY + timedelta(days=1)}


def test_someone_who_never_punched_counts_from_their_creation() -> None:
    created = MONDAY
    assert absence_streak(None, created, MONDAY + timedelta(days=2), MON_TO_SAT, 3) is None
    streak = absence_streak(None, created, MONDAY + timedelta(days=3), MON_TO_SAT, 3)
    assert streak is not None
    assert (streak.since, streak.working_days) == (MONDAY, 3)


def test_verdicts_reject_on_contradicting_evidence_and_review_on_doubt() -> None:
    j = verdicts.Judgement()
    verdicts.judge_accuracy(j, 80, 50)
    doubtful = j.status
    verdicts.judge_geofence(j, False, 120.0)
    assert (doubtful, j.status) == (PunchStatus.REVIEW, PunchStatus.REJECTED)
    assert j.reasons == ["gps_inaccurate", "outside_geofence"]
    clean = verdicts.Judgement()
    verdicts.judge_face(clean, FaceCheck(ok=True, distance=0.33, reason=None))
    assert clean.status is PunchStatus.ACCEPTED


def test_not_enrolled_means_cosign() -> None:
    j = verdicts.Judgement()
    verdicts.judge_face(j, FaceCheck(ok=False, distance=None, reason="not_enrolled"))
    assert (j.status, j.reasons) == (PunchStatus.REVIEW, ["not_enrolled", "cosign_required"])


@pytest.mark.parametrize(
    ("accuracy_m", "reason"),
    [
        (0.0, "fake_gps_suspected"),
        # Mock-location apps that avoid the exact 0 (issue 16): no phone reports these.
        (0.01, "fake_gps_suspected"),
        (0.5, "fake_gps_suspected"),
        (0.99, "fake_gps_suspected"),
        (1.0, None),
        (3.5, None),
        (50.0, None),
        (50.1, "gps_inaccurate"),
    ],
)
def test_implausibly_small_accuracies_are_suspect(accuracy_m: float, reason: str | None) -> None:
    j = verdicts.Judgement()
    verdicts.judge_accuracy(j, accuracy_m, 50)
    assert j.reasons == ([reason] if reason else [])
    assert j.checks["accuracy"]["ok"] is (reason is None)


@pytest.mark.parametrize(
    ("face", "status", "reasons"),
    [
        (
            FaceCheck(ok=True, distance=0.3, reason=None, unverified_enrolment=True),
            PunchStatus.REVIEW,
            ["face_reenrolled", "cosign_required"],
        ),
        (
            FaceCheck(ok=False, distance=None, reason="no_face", unverified_enrolment=True),
            PunchStatus.REVIEW,
            ["no_face", "face_reenrolled", "cosign_required"],
        ),
        (
            FaceCheck(ok=False, distance=0.8, reason="face_mismatch", unverified_enrolment=True),
            PunchStatus.REJECTED,
            ["face_mismatch"],
        ),
    ],
    ids=["match", "no-face", "mismatch"],
)
def test_an_unconfirmed_reenrolment_never_accepts(
    face: FaceCheck, status: PunchStatus, reasons: list[str]
) -> None:
    j = verdicts.Judgement()
    verdicts.judge_face(j, face)
    assert (j.status, j.reasons) == (status, reasons)
    assert j.checks["face"]["enrolment_verified"] is False


@pytest.mark.parametrize(
    ("offset", "reason", "age"),
    [
        (timedelta(seconds=verdicts.CLOCK_SKEW_S), None, 0),
        (timedelta(seconds=verdicts.CLOCK_SKEW_S + 1), "clock_skew", 0),
        (-timedelta(days=3), None, 3 * 86400),
        (-timedelta(seconds=verdicts.MAX_OFFLINE_AGE_S + 1), "stale_punch", None),
    ],
)
def test_clock_boundaries(offset: timedelta, reason: str | None, age: int | None) -> None:
    j = verdicts.Judgement()
    age_s = verdicts.judge_clock(j, NOW + offset, NOW)
    assert j.reasons == ([reason] if reason else [])
    if age is not None:
        assert age_s == age


def test_travel_speed_allows_for_both_accuracy_circles() -> None:
    other = verdicts.Neighbour("p", NOW, accuracy_m=50, distance_m=120)
    # 120 m apart with 50 m + 50 m of uncertainty: 20 m in one second is 72 km/h.
    assert verdicts.speed_kmh(50, NOW + timedelta(seconds=1), other) == pytest.approx(72)
    # Within the circles: no movement at all, even at the same instant.
    near = verdicts.Neighbour("p", NOW, accuracy_m=60, distance_m=100)
    assert verdicts.speed_kmh(50, NOW, near) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://192.168.1.10/x",
        "http://100.64.0.1/x",
        "http://0.0.0.0/x",
        "http://api.localhost/x",
        "gopher://hooks.example.com/",
        "https://hooks.example.com/x y",
        "https://hooks.example.com:99999/x",
    ],
)
def test_webhook_urls_that_are_refused(url: str) -> None:
    with pytest.raises(WebhookUrlInvalid):
        check_url(url, allow_private=False)


def test_private_urls_pass_when_allowed() -> None:
    assert check_url("http://10.0.0.7:8080/hook", allow_private=True)


async def test_names_that_resolve_to_loopback_are_refused_when_sending() -> None:
    with pytest.raises(DestinationRefused):
        await check_destination("http://localhost:9/x", allow_private=False)
    await check_destination("http://localhost:9/x", allow_private=True)


def test_redaction_keeps_names_and_hides_values() -> None:
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc&debug=1"
    assert redact_url(url) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&debug=***"
    assert redact_url("https://x.example/hook") == "https://x.example/hook"


def _event(**payload: object) -> EventMessage:
    return EventMessage("e1", "attendance.absent", "c1", None, NOW, dict(payload))


def test_signature_covers_timestamp_and_body() -> None:
    body, headers = build_request(_event(n=1), WebhookFormat.JSON, "k" * 20, "d1")
    expected = hmac.new(
        b"k" * 20, headers["X-SiteCheck-Timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["X-SiteCheck-Signature"] == "sha256=" + expected.hexdigest()
    assert json.loads(body)["payload"] == {"n": 1}
    _, unsigned = build_request(_event(), WebhookFormat.JSON, None, "d1")
    assert "X-SiteCheck-Signature" not in unsigned


def test_wecom_messages_are_markdown_and_bounded() -> None:
    body, _ = build_request(
        _event(title="缺勤", summary="王<b>五 absent\nsince Tuesday"),
        WebhookFormat.WECOM,
        None,
        "d",
    )
    message = json.loads(body)
    assert message["msgtype"] == "markdown"
    content = message["markdown"]["content"]
    assert content.startswith("**缺勤**\n> 王")
    assert "<b>" not in content
    long = wecom_content(_event(summary="长" * 3000))
    assert len(long.encode()) <= 4096

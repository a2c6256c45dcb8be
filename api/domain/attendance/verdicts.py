"""How a punch is judged: each check gives its evidence and at most one reason.

Every punch is stored whatever the verdict, so nothing a worker did is lost. The
status says who acts next:

- **rejected**: the evidence contradicts the punch, so it does not count and the worker
  should punch again (the phone shows this at once when online):
  - `outside_geofence`: the position's accuracy circle does not touch the site's
    geofence (a point just outside the fence but within `accuracy_m` of it is inside);
  - `face_mismatch`: the selfie shows someone else (a buddy punch).
- **review**: something is doubtful but may be innocent; a manager or admin decides
  (POST /punches/{id}/review), or for `cosign_required` the worker's foreman co-signs:
  - `gps_inaccurate`: accuracy worse than the site's `max_accuracy_m`;
  - `fake_gps_suspected`: an accuracy below MIN_PLAUSIBLE_ACCURACY_M (0 included),
    which no phone's real fix reports but mock-location apps do;
  - `no_face`, `multiple_faces`: the selfie cannot be compared (dark, blurred, a
    colleague in the frame);
  - `not_enrolled` + `cosign_required`: the worker has no face templates (no
    consent): the non-face path, where a foreman vouches in person;
  - `face_reenrolled` + `cosign_required`: the face was enrolled again after an
    erasure by the worker or a foreman and no manager has confirmed it, so even a
    matching selfie proves nothing about who punched (a face swap would pass);
  - `clock_skew`: captured more than CLOCK_SKEW_S in the future of the server's
    clock (a phone clock set ahead to pre-date nothing but post-date a punch);
  - `stale_punch`: captured more than MAX_OFFLINE_AGE_S before it arrived: longer
    offline than a phone plausibly is, or a clock set back;
  - `impossible_travel`: faster than MAX_SPEED_KMH from the worker's previous or
    next punch (by capture time, so late offline arrivals are compared correctly);
  - `new_device`: not a device this worker's punches are bound to (the first device
    binds; accepting such a punch in review binds the new one too);
  - `site_inactive`: the site was closed.
- **accepted** otherwise.

A co-sign vouches for the person only: it settles the IDENTITY_REASONS (the co-signer
saw who punched, which is what a selfie that is missing, unusable or unconfirmed could
not show) and leaves the punch in review for any other reason, for a manager to decide.
`face_mismatch` is not among them: the selfie shows someone else, the punch is
rejected, and a co-sign does not overrule that evidence.

A punch taken offline is judged by when and where it was captured; `age_s` says how
old it was on arrival. Selfies that are not images at all are refused with 422
`image_invalid` before anything is stored: that is a broken upload, not a punch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.db.models import PunchStatus
from api.domain.faces.recognition import (
    FACE_MISMATCH,
    FACE_REENROLLED,
    MULTIPLE_FACES,
    NO_FACE,
    NOT_ENROLLED,
    FaceCheck,
)

OUTSIDE_GEOFENCE = "outside_geofence"
GPS_INACCURATE = "gps_inaccurate"
FAKE_GPS = "fake_gps_suspected"
CLOCK_SKEW = "clock_skew"
STALE_PUNCH = "stale_punch"
IMPOSSIBLE_TRAVEL = "impossible_travel"
NEW_DEVICE = "new_device"
COSIGN_REQUIRED = "cosign_required"
SITE_INACTIVE = "site_inactive"

REJECT_REASONS = frozenset({OUTSIDE_GEOFENCE, FACE_MISMATCH})
# What a co-sign settles: who the person was (module docstring).
IDENTITY_REASONS = frozenset(
    {NOT_ENROLLED, COSIGN_REQUIRED, FACE_REENROLLED, NO_FACE, MULTIPLE_FACES}
)

# Phones report the radius of a 68% circle from their own error model: about 3-5 m
# at best outdoors with single-frequency GNSS, rarely under ~1.5 m even with dual
# frequency (L1/L5), and more indoors or with network positioning. Mock-location apps
# report 0, or whatever small number they are set to. Below a metre is a fix no phone
# makes; a survey-grade RTK receiver would, but nobody punches with one.
MIN_PLAUSIBLE_ACCURACY_M = 1.0

# Phones set their clocks from the network; five minutes covers drift and a slow
# carrier, not a clock set ahead on purpose.
CLOCK_SKEW_S = 300
# "Minutes to days offline" (DESIGN.md): a week is generous for a site with no signal.
MAX_OFFLINE_AGE_S = 7 * 24 * 3600
# Faster than a car on any road, slower than a plane: two sites 300 km apart an hour
# apart means one of the two positions is not where the phone was.
MAX_SPEED_KMH = 300.0


@dataclass
class Judgement:
    reasons: list[str] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, evidence: dict[str, Any], *reasons: str) -> None:
        self.checks[name] = evidence
        self.reasons.extend(r for r in reasons if r not in self.reasons)

    @property
    def status(self) -> PunchStatus:
        if any(r in REJECT_REASONS for r in self.reasons):
            return PunchStatus.REJECTED
        if self.reasons:
            return PunchStatus.REVIEW
        return PunchStatus.ACCEPTED


def judge_geofence(j: Judgement, inside: bool, distance_m: float) -> None:
    evidence = {"ok": inside, "distance_m": round(distance_m, 1)}
    j.add("geofence", evidence, *(() if inside else (OUTSIDE_GEOFENCE,)))


def judge_accuracy(j: Judgement, accuracy_m: float, max_accuracy_m: int) -> None:
    reason = None
    if accuracy_m < MIN_PLAUSIBLE_ACCURACY_M:
        reason = FAKE_GPS
    elif accuracy_m > max_accuracy_m:
        reason = GPS_INACCURATE
    evidence = {"ok": reason is None, "accuracy_m": accuracy_m, "max_accuracy_m": max_accuracy_m}
    j.add("accuracy", evidence, *((reason,) if reason else ()))


def judge_clock(j: Judgement, captured_at: datetime, received_at: datetime) -> int:
    """Adds the clock check; returns the punch's age on arrival in seconds."""
    ahead = (captured_at - received_at).total_seconds()
    age_s = max(0, round(-ahead))
    reason = None
    if ahead > CLOCK_SKEW_S:
        reason = CLOCK_SKEW
    elif age_s > MAX_OFFLINE_AGE_S:
        reason = STALE_PUNCH
    evidence = {"ok": reason is None, "skew_s": max(0, round(ahead)), "age_s": age_s}
    j.add("clock", evidence, *((reason,) if reason else ()))
    return age_s


def judge_face(j: Judgement, face: FaceCheck) -> None:
    evidence: dict[str, Any] = {"ok": face.ok, "distance": face.distance, "reason": face.reason}
    if face.reason == NOT_ENROLLED:
        j.add("face", evidence, NOT_ENROLLED, COSIGN_REQUIRED)
        return
    found = () if face.ok or face.reason is None else (face.reason,)
    if face.unverified_enrolment:
        evidence["enrolment_verified"] = False
    if face.unverified_enrolment and face.reason != FACE_MISMATCH:
        # The face may be a stand-in's (erase, enrol a friend): never accepted on it.
        j.add("face", evidence, *found, FACE_REENROLLED, COSIGN_REQUIRED)
    else:
        j.add("face", evidence, *found)


@dataclass(frozen=True)
class Neighbour:
    """Another punch of the same worker, next to this one in capture time."""

    punch_id: str
    captured_at: datetime
    accuracy_m: float
    distance_m: float


def speed_kmh(this_accuracy_m: float, this_at: datetime, other: Neighbour) -> float:
    # Both positions may be off by their accuracy: only distance beyond that counts.
    distance = max(0.0, other.distance_m - this_accuracy_m - other.accuracy_m)
    if distance == 0:
        return 0.0
    seconds = max(1.0, abs((this_at - other.captured_at).total_seconds()))
    return distance / seconds * 3.6


def judge_travel(
    j: Judgement, accuracy_m: float, captured_at: datetime, neighbours: list[Neighbour]
) -> None:
    fastest: tuple[float, Neighbour] | None = None
    for other in neighbours:
        speed = speed_kmh(accuracy_m, captured_at, other)
        if fastest is None or speed > fastest[0]:
            fastest = (speed, other)
    if fastest is None:
        j.add("travel", {"ok": True, "speed_kmh": None, "compared_with": None})
        return
    speed, other = fastest
    ok = speed <= MAX_SPEED_KMH
    evidence = {"ok": ok, "speed_kmh": round(speed, 1), "compared_with": other.punch_id}
    j.add("travel", evidence, *(() if ok else (IMPOSSIBLE_TRAVEL,)))


def judge_device(j: Judgement, device_id: str, *, known: bool, first: bool) -> None:
    evidence = {"ok": known or first, "device_id": device_id, "first": first}
    j.add("device", evidence, *(() if known or first else (NEW_DEVICE,)))


def judge_site(j: Judgement, active: bool) -> None:
    if not active:
        j.reasons.append(SITE_INACTIVE)

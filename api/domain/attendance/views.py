"""Punch rows as the API shows them."""

from __future__ import annotations

from api.db.models import Punch
from api.domain.attendance.schemas import PunchOut


def punch_out(punch: Punch, selfie_url: str | None = None) -> PunchOut:
    return PunchOut(
        id=punch.id,
        user_id=punch.user_id,
        site_id=punch.site_id,
        kind=punch.kind,
        status=punch.status,
        reasons=list(punch.reasons),
        checks=punch.checks,
        captured_at=punch.captured_at,
        received_at=punch.received_at,
        age_s=punch.age_s,
        lat=punch.lat,
        lon=punch.lon,
        accuracy_m=punch.accuracy_m,
        device_id=punch.device_id,
        cosigned_by=punch.cosigned_by,
        cosigned_at=punch.cosigned_at,
        reviewed_by=punch.reviewed_by,
        reviewed_at=punch.reviewed_at,
        review_note=punch.review_note,
        selfie_url=selfie_url,
    )

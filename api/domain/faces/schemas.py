"""Shapes of the face enrolment endpoints (multipart in, JSON out)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
from litestar.datastructures import UploadFile

from api.server.openapi_docs import REQUIRED_PART


@dataclass
class FaceEnrolForm:
    """`PUT /api/users/{id}/face`. Every part is optional here so that a missing consent
    or image gets its own 422 code rather than a generic shape error."""

    image: UploadFile | None = field(default=None, metadata=REQUIRED_PART)
    # Must be "true": the worker agreed to the consent notice shown to them.
    consent: str | None = field(default=None, metadata=REQUIRED_PART)
    # Which wording of the notice they agreed to (the PWA sends its own version).
    consent_version: str | None = None
    # Optional client id: a resent enrolment (flaky network) adds no second sample.
    id: uuid.UUID | None = None


class FaceStatus(msgspec.Struct):
    enrolled: bool
    samples: int
    # Whether the templates are confirmed as this worker's (api/domain/faces/enrolments.py):
    # while false, a matching selfie still sends the punch to review (face_reenrolled).
    verified: bool
    consented_at: datetime | None = None
    consent_version: str | None = None
    # The worker's first enrolment ever; kept after an erasure (a time, not a face).
    first_enrolled_at: datetime | None = None


class FaceSummary(msgspec.Struct):
    """The face state on a user resource, for staff screens."""

    enrolled: bool
    verified: bool
    samples: int

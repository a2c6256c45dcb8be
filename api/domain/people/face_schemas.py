"""Shapes of the face enrolment endpoints (multipart in, JSON out)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
from litestar.datastructures import UploadFile

from api.lib.openapi_docs import REQUIRED_PART


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
    consented_at: datetime | None = None
    consent_version: str | None = None

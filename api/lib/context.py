"""Per-request context: the request id (for logs) and who is acting (for audit)."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass

from api.db.models import Role, User

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
# The background job being run ({"job_id": ..., "task": ...}); set by the worker around
# each job (api/jobs/observe.py) so every log line of a job says which one it was.
job_var: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("job", default=None)


@dataclass(frozen=True)
class Actor:
    """The authenticated user plus where the request came from."""

    user: User
    ip: str | None = None
    device_id: str | None = None
    request_id: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def company_id(self) -> uuid.UUID:
        # Tenant endpoints are guarded against the superadmin, who has no company; a
        # None here would silently widen queries, so fail loudly instead.
        if self.user.company_id is None:
            raise RuntimeError("tenant operation attempted by a user without a company")
        return self.user.company_id

"""HTTP routes for a person's face enrolment (thin: face_services decides)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Role
from api.domain.attendance.jobs import delete_selfies
from api.domain.faces import services as face_services
from api.domain.faces.schemas import FaceEnrolForm, FaceStatus
from api.jobs.enqueue import enqueue
from api.lib.authz import allow, allow_tenant_roles
from api.lib.context import Actor
from api.lib.uploads import configured_upload_route


class FaceController(Controller):
    """Every tenant role may reach these, and the row scope decides: anyone for
    themselves; admins, managers and foremen for the people they can see
    (api/lib/authz.visible_users); anyone else's id is a 404."""

    path = "/api/users/{user_id:uuid}/face"
    tags = ["people"]

    @put(
        "/",
        opt=allow_tenant_roles(),
        status_code=200,
        summary="Enrol a face sample (multipart: image, consent=true)",
        description=(
            "422 codes: consent_required, face_not_found, multiple_faces, image_invalid, "
            "face_mismatch (the sample is not the person already enrolled). Repeating adds "
            "a sample; at the limit the oldest is replaced. The photo is not kept. "
            "An enrolment after an erasure made by the worker or a foreman is kept "
            "unverified (punches matching it go to review, face_reenrolled) until a "
            "manager or admin verifies it or enrols the face themself."
        ),
        **configured_upload_route(),
    )
    async def enrol(
        self,
        user_id: FromPath[uuid.UUID],
        data: MultipartBody[FaceEnrolForm],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
    ) -> Response[FaceStatus]:
        body = await face_services.enrol(db_session, actor, settings, user_id, data)
        return Response(body, status_code=200)

    @get("/", opt=allow_tenant_roles(), summary="Enrolment state and consent")
    async def status(
        self,
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> FaceStatus:
        return await face_services.face_status(db_session, actor, user_id)

    @delete(
        "/",
        opt=allow_tenant_roles(),
        summary="Erase every face template and withdraw consent",
        description=(
            "Also deletes the worker's kept punch selfies from the store (their punches "
            "stay, with `selfie_url` null)."
        ),
    )
    async def erase(
        self,
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        selfies = await face_services.erase(db_session, actor, user_id)
        if selfies:
            # Deleted once the erasure has committed (a rollback keeps them).
            enqueue(delete_selfies, keys=selfies)

    @post(
        "/verify",
        opt=allow(Role.ADMIN, Role.MANAGER),
        status_code=200,
        summary="Confirm that the enrolled face is this worker's (after a re-enrolment)",
        description=(
            "Matching selfies count again (no more face_reenrolled). 403 self_verify for "
            "one's own face; 409 face_not_enrolled when nothing is enrolled. Verifying a "
            "confirmed enrolment changes nothing."
        ),
    )
    async def verify(
        self,
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> FaceStatus:
        return await face_services.verify(db_session, actor, user_id)

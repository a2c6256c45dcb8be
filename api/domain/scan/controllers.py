"""HTTP routes of scanning: resolve a code in one round trip, read codes from a photo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody

from api.db.models import User
from api.domain.equipment.scan import EquipmentScan
from api.domain.materials.scan import BatchScan, provide_reader
from api.domain.scan import services
from api.domain.scan.services import Decoded
from api.lib.authz import allow_tenant_roles
from api.lib.deps import provide_actor, provide_settings
from api.lib.uploads import configured_upload_route, read_upload
from api.server.openapi_docs import REQUIRED_PART


@dataclass
class DecodeForm:
    """A photo (`image`) with one or more QR labels in it."""

    image: UploadFile | None = field(default=None, metadata=REQUIRED_PART)


class ScanController(Controller):
    path = "/api/scan"
    tags = ["scan"]

    @post(
        "/decode",
        opt=allow_tenant_roles(),
        status_code=200,
        summary="Read the QR codes in a photo, for phones whose own scanning fails",
        description=(
            "Multipart `image` (JPEG, PNG, WebP, HEIC; the type is read from the bytes). "
            "Tilted, small and slightly blurred labels read. 413 `file_too_large`/"
            "`image_too_large`, 422 `image_invalid`."
        ),
        **configured_upload_route(),
    )
    async def decode(
        self, request: Request[User, Any, Any], data: MultipartBody[DecodeForm]
    ) -> Decoded:
        settings = provide_settings(request.app.state)
        content = await read_upload(data.image, settings.uploads.max_bytes, part="image")
        return await services.decode(content, settings, provide_actor(request))

    @get(
        "/{code:path}",
        opt=allow_tenant_roles(),
        summary="Resolve a scanned code: the item and what to do next, in one round trip",
        description=(
            "`code` is the bare code (case, the middle hyphen and O/0, I/L/1 mix-ups do not "
            "matter) or the label's whole URL, URL-encoded. `kind` is `equipment` or "
            "`material_batch`. 404 `unknown_code` for a code that does not exist or is "
            "not visible to the caller."
        ),
    )
    async def scan(
        self, request: Request[User, Any, Any], code: FromPath[str]
    ) -> EquipmentScan | BatchScan:
        # The hottest route of the app. Its inputs are built here rather than injected:
        # with several dependencies Litestar resolves them in a task group, a task each,
        # which cost more than the rest of the request; and it needs no session at all
        # (api/lib/reads.py).
        return await services.scan(
            request.app.state.engine, provide_actor(request), code, provide_reader(request)
        )

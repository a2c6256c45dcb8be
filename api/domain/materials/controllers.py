"""HTTP routes of material batches: register, label, certificate, receipts at the gate,
import. Admins and managers register, label and import; foremen and above (safety
officers included) upload certificates; every tenant role on the site receives
deliveries and sees the batches."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import MaterialBatch, Role
from api.domain.labels import items
from api.domain.labels.items import LabelledItem
from api.domain.labels.qr import public_base
from api.domain.materials import certificates, receipts, services
from api.domain.materials.imports import BATCH_IMPORT
from api.domain.materials.scan import provide_reader
from api.domain.materials.schemas import (
    BatchIn,
    BatchOut,
    BatchPage,
    CertificateForm,
    ReceiptIn,
    ReceiptOut,
    ReceiptPage,
)
from api.domain.materials.services import BatchReader
from api.lib.authz import allow, allow_tenant_roles
from api.lib.context import Actor
from api.lib.idempotency import create_response
from api.lib.pagination import PageParams
from api.lib.uploads import read_upload, upload_route
from storage.s3 import ObjectStore

REGISTRARS = (Role.ADMIN, Role.MANAGER)
CERTIFIERS = (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN)
LABELS = LabelledItem(
    model=MaterialBatch,
    name=MaterialBatch.material + " · " + MaterialBatch.batch_no,
    path_param="batch_id",
    not_found=services.BatchNotFound,
    sheet_title="material labels",
    importer=BATCH_IMPORT,
    roles=REGISTRARS,
)


class BatchController(Controller):
    path = "/api/materials/batches"
    tags = ["materials"]
    dependencies = {
        "reader": Provide(provide_reader, sync_to_thread=False),
        "base": Provide(public_base, sync_to_thread=False),
    }

    @post(
        "/",
        opt=allow(*REGISTRARS),
        responses={200: ResponseSpec(data_container=BatchOut, description="Replay")},
        summary="Register a batch delivered to a site; it gets a short QR code",
        description="Idempotent by client `id`. 409 `batch_taken` when the site already has "
        "this batch number of this material from this supplier.",
    )
    async def create(
        self,
        data: JSONBody[BatchIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        reader: NamedDependency[BatchReader],
    ) -> Response[BatchOut]:
        return await create_response(
            db_session,
            actor,
            scope="material_batch",
            data=data,
            create=lambda s, a, d: services.create_batch(s, a, d, reader),
            out=BatchOut,
        )

    @get("/", opt=allow_tenant_roles(), summary="Batches on the caller's sites, newest first")
    async def list_items(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        reader: NamedDependency[BatchReader],
        site_id: FromQuery[uuid.UUID | None] = None,
        certificate: FromQuery[Literal["missing"] | None] = None,
    ) -> BatchPage:
        items, total = await services.list_batches(
            db_session, actor, page, reader, site_id=site_id, certificate=certificate
        )
        return page.of(items, total)

    label_sheet = items.label_sheet_route(
        LABELS, summary="A print-ready A4 sheet of a site's batch labels (or of the ids given)"
    )
    import_file = items.import_route(
        LABELS,
        summary="Import batches from XLSX/CSV: good rows are registered, bad rows reported",
        description=(
            "Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional "
            "`site_id` for rows without a `site` column. Columns: material*, batch_no*, "
            "supplier*, quantity*, unit*, spec, certificate_expires_on, site. Valid rows "
            "only: every bad row is reported as {row, field, message}, the others are "
            "registered together; `?dry_run=true` only checks."
        ),
    )

    @get("/{batch_id:uuid}", opt=allow_tenant_roles(), summary="One batch")
    async def get_item(
        self,
        batch_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        reader: NamedDependency[BatchReader],
    ) -> BatchOut:
        return await reader.one(db_session, actor, batch_id)

    @put(
        "/{batch_id:uuid}/certificate",
        opt=allow(*CERTIFIERS),
        summary="Upload the batch's certificate (PDF or a photo of it)",
        description=(
            "Multipart `file` (PDF, JPEG, PNG, WebP or HEIC; at most 20 MB; the type is "
            "read from the bytes) and optional `expires_on` (YYYY-MM-DD). Replaces the "
            "current certificate. 413 `file_too_large`, 415 `file_invalid` (not a PDF or "
            "a photo), 422 `file_invalid` (a broken one)."
        ),
        **upload_route(certificates.MAX_CERTIFICATE_BYTES),
    )
    async def put_certificate(
        self,
        batch_id: FromPath[uuid.UUID],
        data: MultipartBody[CertificateForm],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        reader: NamedDependency[BatchReader],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> BatchOut:
        expires_on = certificates.parse_expires_on(data.expires_on)
        content = await read_upload(data.file, certificates.MAX_CERTIFICATE_BYTES)
        return await certificates.put_certificate(
            db_session, actor, store, settings, reader, batch_id, content, expires_on
        )

    @post(
        "/{batch_id:uuid}/receipts",
        opt=allow_tenant_roles(),
        responses={200: ResponseSpec(data_container=ReceiptOut, description="Replay")},
        summary="Record a delivery checked at the gate: accepted, or rejected with a reason",
        description="Idempotent by client `id`. 422 `reason_required` for a rejection "
        "without a reason; `photo_ids` are photos uploaded to the batch's site.",
    )
    async def create_receipt(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[ReceiptIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[ReceiptOut]:
        return await create_response(
            db_session,
            actor,
            scope=f"material_receipt:{batch_id}",
            data=data,
            create=lambda s, a, d: receipts.create_receipt(s, a, batch_id, d),
            out=ReceiptOut,
        )

    @get(
        "/{batch_id:uuid}/receipts",
        opt=allow_tenant_roles(),
        summary="The batch's receipts, newest first",
    )
    async def list_receipts(
        self,
        batch_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
    ) -> ReceiptPage:
        items, total = await receipts.list_receipts(db_session, actor, batch_id, page)
        return page.of(items, total)

    label_svg = items.label_svg_route(LABELS, summary="The batch's QR label as SVG")
    label_png = items.label_png_route(LABELS, summary="The batch's QR label as PNG")

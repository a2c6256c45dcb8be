"""HTTP routes of material batches: register, label, certificate, receipts at the gate,
import. Admins and managers register, label and import; foremen and above (safety
officers included) upload certificates; every tenant role on the site receives
deliveries and sees the batches."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, MediaType, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import MaterialBatch, Role
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
from api.lib.imports import (
    MAX_IMPORT_BYTES,
    ImportForm,
    ImportResult,
    parse_site_id,
    read_import,
    run_import,
)
from api.lib.label_responses import label_response, sheet_response, site_labels
from api.lib.pagination import PageParams
from api.lib.qr import public_base
from api.lib.uploads import read_upload, upload_route
from storage.s3 import ObjectStore

REGISTRARS = (Role.ADMIN, Role.MANAGER)
CERTIFIERS = (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN)
ModulePx = Annotated[int, QueryParameter(ge=2, le=40, description="pixels per QR module")]


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

    @get(
        "/labels.html",
        opt=allow(*REGISTRARS),
        media_type=MediaType.HTML,
        summary="A print-ready A4 sheet of a site's batch labels (or of the ids given)",
    )
    async def label_sheet(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
        site_id: FromQuery[uuid.UUID],
        ids: FromQuery[list[uuid.UUID] | None] = None,
    ) -> Response[bytes]:
        name = MaterialBatch.material + " · " + MaterialBatch.batch_no
        labels, site_name = await site_labels(
            db_session, actor, base, MaterialBatch, name, site_id, ids
        )
        return await sheet_response(labels, f"{site_name}: material labels")

    @post(
        "/import",
        opt=allow(*REGISTRARS),
        status_code=200,
        summary="Import batches from XLSX/CSV: good rows are registered, bad rows reported",
        description=(
            "Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional "
            "`site_id` for rows without a `site` column. Columns: material*, batch_no*, "
            "supplier*, quantity*, unit*, spec, certificate_expires_on, site. Valid rows "
            "only: every bad row is reported as {row, field, message}, the others are "
            "registered together; `?dry_run=true` only checks."
        ),
        **upload_route(MAX_IMPORT_BYTES),
    )
    async def import_file(
        self,
        data: MultipartBody[ImportForm],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        dry_run: FromQuery[bool] = False,
    ) -> ImportResult:
        table = await read_import(data)
        return await run_import(
            db_session,
            actor,
            BATCH_IMPORT,
            table,
            default_site_id=parse_site_id(data.site_id),
            dry_run=dry_run,
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

    @get(
        "/{batch_id:uuid}/label.svg",
        opt=allow(*REGISTRARS),
        summary="The batch's QR label as SVG",
        media_type="image/svg+xml",
    )
    async def label_svg(
        self,
        batch_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
    ) -> Response[bytes]:
        label = await services.batch_label(db_session, actor, batch_id, base)
        return await label_response(label, "svg", 10)

    @get(
        "/{batch_id:uuid}/label.png",
        opt=allow(*REGISTRARS),
        summary="The batch's QR label as PNG",
        media_type="image/png",
    )
    async def label_png(
        self,
        batch_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
        scale: ModulePx = 10,
    ) -> Response[bytes]:
        label = await services.batch_label(db_session, actor, batch_id, base)
        return await label_response(label, "png", scale)

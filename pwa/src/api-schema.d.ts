// Generated from the API's OpenAPI document by `make api-types` (pwa/scripts/api-types.mjs).
// Do not edit: change the API's schemas and regenerate; `make test` fails when this drifts.

export interface paths {
  "/api/auth/login": {
    /** Log in with login and password */
    post: operations["ApiAuthLoginLogin"];
  };
  "/api/me": {
    /** The current user, with crew and sites */
    get: operations["ApiMeMe"];
  };
  "/api/me/sign-out": {
    /** Sign out everywhere: end every token issued to me so far */
    post: operations["ApiMeSignOutSignOutMe"];
  };
  "/api/companies": {
    /** List companies */
    get: operations["ApiCompaniesList"];
    /** Create a company and its first admin */
    post: operations["ApiCompaniesCreate"];
  };
  "/api/users": {
    /** List people */
    get: operations["ApiUsersList"];
    /** Create a user (login defaults to the phone number) */
    post: operations["ApiUsersCreate"];
  };
  "/api/users/{user_id}": {
    /** One user */
    get: operations["ApiUsersUserIdGet"];
    /** Change a user */
    patch: operations["ApiUsersUserIdUpdate"];
  };
  "/api/users/{user_id}/sign-out": {
    /** Sign a person out everywhere: end every token issued to them so far */
    post: operations["ApiUsersUserIdSignOutSignOut"];
  };
  "/api/users/{user_id}/face": {
    /** Enrolment state and consent */
    get: operations["ApiUsersUserIdFaceStatus"];
    /**
     * Enrol a face sample (multipart: image, consent=true)
     * @description 422 codes: consent_required, face_not_found, multiple_faces, image_invalid, face_mismatch (the sample is not the person already enrolled). Repeating adds a sample; at the limit the oldest is replaced. The photo is not kept. An enrolment after an erasure made by the worker or a foreman is kept unverified (punches matching it go to review, face_reenrolled) until a manager or admin verifies it or enrols the face themself.
     */
    put: operations["ApiUsersUserIdFaceEnrol"];
    /**
     * Erase every face template and withdraw consent
     * @description Also deletes the worker's kept punch selfies from the store (their punches stay, with `selfie_url` null).
     */
    delete: operations["ApiUsersUserIdFaceErase"];
  };
  "/api/users/{user_id}/face/verify": {
    /**
     * Confirm that the enrolled face is this worker's (after a re-enrolment)
     * @description Matching selfies count again (no more face_reenrolled). 403 self_verify for one's own face; 409 face_not_enrolled when nothing is enrolled. Verifying a confirmed enrolment changes nothing.
     */
    post: operations["ApiUsersUserIdFaceVerifyVerify"];
  };
  "/api/sites/{site_id}/staff/{user_id}": {
    /** Assign a person (e.g. a safety officer) to a site */
    put: operations["ApiSitesSiteIdStaffUserIdAddStaff"];
    /** Remove a person from a site's staff */
    delete: operations["ApiSitesSiteIdStaffUserIdRemoveStaff"];
  };
  "/api/sites": {
    /** Sites visible to the caller */
    get: operations["ApiSitesList"];
    /** Create a site with a GeoJSON Polygon or MultiPolygon geofence */
    post: operations["ApiSitesCreate"];
  };
  "/api/sites/{site_id}": {
    /** One site */
    get: operations["ApiSitesSiteIdGet"];
    /** Change a site */
    patch: operations["ApiSitesSiteIdUpdate"];
  };
  "/api/sites/locate": {
    /** Which of my sites is this position in or near (nearest first) */
    get: operations["ApiSitesLocateLocate"];
  };
  "/api/projects/{project_id}/members/{user_id}": {
    /** Make a manager a member of a project */
    put: operations["ApiProjectsProjectIdMembersUserIdAddMember"];
    /** Remove a member from a project */
    delete: operations["ApiProjectsProjectIdMembersUserIdRemoveMember"];
  };
  "/api/projects": {
    /** Projects visible to the caller */
    get: operations["ApiProjectsList"];
    /** Create a project (a group of sites) */
    post: operations["ApiProjectsCreate"];
  };
  "/api/crews": {
    /** Crews on the caller's sites */
    get: operations["ApiCrewsList"];
    /** Create a crew on a site */
    post: operations["ApiCrewsCreate"];
  };
  "/api/audit": {
    /** Who did what, when (newest first) */
    get: operations["ApiAuditList"];
  };
  "/api/equipment/{equipment_id}/events/{event_id}/close": {
    /** Close an open defect: the item is fit for use again */
    post: operations["ApiEquipmentEquipmentIdEventsEventIdCloseCloseDefect"];
  };
  "/api/equipment": {
    /** Items on the caller's sites, newest first */
    get: operations["ApiEquipmentListItems"];
    /** Register an item; it gets a short QR code (idempotent by client id) */
    post: operations["ApiEquipmentCreate"];
  };
  "/api/equipment/{equipment_id}/events": {
    /** The item's history, newest first */
    get: operations["ApiEquipmentEquipmentIdEventsListEvents"];
    /**
     * Record an inspection, maintenance, check-out, check-in or defect
     * @description Idempotent by client `id`. 403 `event_kind_forbidden`: inspections are for admins, managers and safety officers, maintenance also for foremen. 409 `already_checked_out`, `not_checked_out`, `equipment_defective`, `certificate_expired`, `equipment_retired`; 422 `holder_required`.
     */
    post: operations["ApiEquipmentEquipmentIdEventsCreateEvent"];
  };
  "/api/equipment/{equipment_id}/maintenance-plans": {
    /** The item's maintenance plans, soonest due first */
    get: operations["ApiEquipmentEquipmentIdMaintenancePlansListPlans"];
    /** Plan maintenance every N days */
    post: operations["ApiEquipmentEquipmentIdMaintenancePlansCreatePlan"];
  };
  "/api/equipment/due": {
    /** Maintenance due or overdue and inspection certificates expiring, soonest first */
    get: operations["ApiEquipmentDueDue"];
  };
  "/api/equipment/export.xlsx": {
    /** The ledger as an XLSX file (one site, or every site the caller sees) */
    get: operations["ApiEquipmentExportXlsxExport"];
  };
  "/api/equipment/{equipment_id}": {
    /** One item */
    get: operations["ApiEquipmentEquipmentIdGetItem"];
    /** Change an item: move it to another site, rename, renew its certificate, retire */
    patch: operations["ApiEquipmentEquipmentIdUpdate"];
  };
  "/api/equipment/import": {
    /**
     * Import items from XLSX/CSV: good rows are registered, bad rows reported
     * @description Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional `site_id` for rows without a `site` column. Columns: name*, category*, model, serial_no, owner, rented, certificate_no, certificate_expires_on, site. Valid rows only: every bad row is reported as {row, field, message} and the others are registered together; `?dry_run=true` only checks. 422 `import_columns_missing` or `file_invalid` imports nothing.
     */
    post: operations["ApiEquipmentImportImportFile"];
  };
  "/api/equipment/{equipment_id}/label.png": {
    /** The item's QR label as PNG (300 dpi at the default 10 px per module) */
    get: operations["ApiEquipmentEquipmentIdLabelPngLabelPng"];
  };
  "/api/equipment/labels.html": {
    /** A print-ready A4 sheet of labels: a site's active items, or the ids given */
    get: operations["ApiEquipmentLabelsHtmlLabelSheet"];
  };
  "/api/equipment/{equipment_id}/label.svg": {
    /** The item's QR label as SVG (50 mm wide) */
    get: operations["ApiEquipmentEquipmentIdLabelSvgLabelSvg"];
  };
  "/api/materials/batches/import": {
    /**
     * Import batches from XLSX/CSV: good rows are registered, bad rows reported
     * @description Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional `site_id` for rows without a `site` column. Columns: material*, batch_no*, supplier*, quantity*, unit*, spec, certificate_expires_on, site. Valid rows only: every bad row is reported as {row, field, message}, the others are registered together; `?dry_run=true` only checks.
     */
    post: operations["ApiMaterialsBatchesImportImportFile"];
  };
  "/api/materials/batches/{batch_id}/label.png": {
    /** The batch's QR label as PNG */
    get: operations["ApiMaterialsBatchesBatchIdLabelPngLabelPng"];
  };
  "/api/materials/batches/labels.html": {
    /** A print-ready A4 sheet of a site's batch labels (or of the ids given) */
    get: operations["ApiMaterialsBatchesLabelsHtmlLabelSheet"];
  };
  "/api/materials/batches/{batch_id}/label.svg": {
    /** The batch's QR label as SVG */
    get: operations["ApiMaterialsBatchesBatchIdLabelSvgLabelSvg"];
  };
  "/api/materials/batches": {
    /** Batches on the caller's sites, newest first */
    get: operations["ApiMaterialsBatchesListItems"];
    /**
     * Register a batch delivered to a site; it gets a short QR code
     * @description Idempotent by client `id`. 409 `batch_taken` when the site already has this batch number of this material from this supplier.
     */
    post: operations["ApiMaterialsBatchesCreate"];
  };
  "/api/materials/batches/{batch_id}/receipts": {
    /** The batch's receipts, newest first */
    get: operations["ApiMaterialsBatchesBatchIdReceiptsListReceipts"];
    /**
     * Record a delivery checked at the gate: accepted, or rejected with a reason
     * @description Idempotent by client `id`. 422 `reason_required` for a rejection without a reason; `photo_ids` are photos uploaded to the batch's site.
     */
    post: operations["ApiMaterialsBatchesBatchIdReceiptsCreateReceipt"];
  };
  "/api/materials/batches/{batch_id}": {
    /** One batch */
    get: operations["ApiMaterialsBatchesBatchIdGetItem"];
  };
  "/api/materials/batches/{batch_id}/certificate": {
    /**
     * Upload the batch's certificate (PDF or a photo of it)
     * @description Multipart `file` (PDF, JPEG, PNG, WebP or HEIC; at most 20 MB; the type is read from the bytes) and optional `expires_on` (YYYY-MM-DD). Replaces the current certificate. 413 `file_too_large`, 415 `file_invalid` (not a PDF or a photo), 422 `file_invalid` (a broken one).
     */
    put: operations["ApiMaterialsBatchesBatchIdCertificatePutCertificate"];
  };
  "/api/scan/decode": {
    /**
     * Read the QR codes in a photo, for phones whose own scanning fails
     * @description Multipart `image` (JPEG, PNG, WebP, HEIC; the type is read from the bytes). Tilted, small and slightly blurred labels read. 413 `file_too_large`/`image_too_large`, 422 `image_invalid`.
     */
    post: operations["ApiScanDecodeDecode"];
  };
  "/api/scan/{code}": {
    /**
     * Resolve a scanned code: the item and what to do next, in one round trip
     * @description `code` is the bare code (case, the middle hyphen and O/0, I/L/1 mix-ups do not matter) or the label's whole URL, URL-encoded. `kind` is `equipment` or `material_batch`. 404 `unknown_code` for a code that does not exist or is not visible to the caller.
     */
    get: operations["ApiScanCodeScan"];
  };
  "/api/inspections": {
    /** Inspections visible to the caller, newest first */
    get: operations["ApiInspectionsList"];
    /** Start an inspection on a site (idempotent by client id) */
    post: operations["ApiInspectionsCreate"];
  };
  "/api/inspections/{inspection_id}": {
    /** One inspection with photos */
    get: operations["ApiInspectionsInspectionIdShow"];
  };
  "/api/inspections/{inspection_id}/photos": {
    /**
     * Upload a photo into an inspection
     * @description Multipart: `file` (JPEG, PNG, WebP, HEIC/HEIF or AVIF; the type is read from the bytes) and `meta`, a JSON string `{id, captured_at?, lat?, lon?}`. 201 first time, 200 with the same photo for a resend of the same id and file, 409 `id_conflict` for the same id with another file. 413 `file_too_large` or `image_too_large` (pixels), 422 `image_invalid`/`image_timeout`, 503 `storage_unavailable` (nothing stored; send again).
     */
    post: operations["ApiInspectionsInspectionIdPhotosUpload"];
  };
  "/api/photos/{photo_id}/file": {
    /** Redirect to a short-lived link to the image (rights checked first) */
    get: operations["ApiPhotosPhotoIdFileFile"];
  };
  "/api/photos/{photo_id}": {
    /** A photo with its hazard check */
    get: operations["ApiPhotosPhotoIdShow"];
  };
  "/api/photos": {
    /**
     * Upload a photo to attach later (to a defect, receipt or rectification)
     * @description Multipart: `file` (JPEG, PNG, WebP, HEIC/HEIF or AVIF; the type is read from the bytes) and `meta`, a JSON string `{id, site_id, captured_at?, lat?, lon?}`. 201 first time, 200 with the same photo for a resend of the same id and file, 409 `id_conflict` for the same id with another file. 413 `file_too_large` or `image_too_large` (pixels), 422 `image_invalid`/`image_timeout`, 503 `storage_unavailable` (nothing stored; send again).
     */
    post: operations["ApiPhotosUpload"];
  };
  "/api/hazards/export": {
    /**
     * Reviewed photos as a YOLO dataset (zip) for retraining
     * @description images/, labels/ (`class cx cy w h`, normalised), data.yaml, README.txt, manifest.csv. Newest reviews first; `limit` 1..1000 (default 200), 422 `validation_error` outside that.
     */
    get: operations["ApiHazardsExportExport"];
  };
  "/api/hazards": {
    /** The review queue: photos the model flagged, surest first when open */
    get: operations["ApiHazardsList"];
  };
  "/api/hazards/model": {
    /**
     * The hazard model in use: evaluated recall and precision, reviewers' verdicts
     * @description `evaluation` comes from the model's evaluation summary (`*.eval.json`): `available: false` with a `reason` when there is none for this exact model file, `stale: true` when it was measured under other thresholds than the policy applies. `live` counts reviewers' decisions on this model's flags on `site_id` (404 when not visible) or on every visible site.
     */
    get: operations["ApiHazardsModelModel"];
  };
  "/api/hazards/precision": {
    /**
     * How often the model's flags were right, per site and model
     * @description confirmed / (confirmed + dismissed), null while nothing is reviewed. `since`/`until` (with an offset) bound the review time; open hazards count by when they were flagged.
     */
    get: operations["ApiHazardsPrecisionPrecision"];
  };
  "/api/hazards/{hazard_id}/review": {
    /**
     * Confirm (opens a rectification) or dismiss (a false positive)
     * @description 409 `already_reviewed` when the hazard was decided before.
     */
    post: operations["ApiHazardsHazardIdReviewReview"];
  };
  "/api/rectifications/{rectification_id}/close": {
    /**
     * Close with an after photo the model no longer flags
     * @description 409 `after_photo_flagged` when the model still sees the hazard (a reviewer closes again with `override: true` and a note to overrule it; anyone else gets 403 `override_not_allowed`); 202 while the after photo is still being checked. The after photo must be new: 422 `after_photo_invalid` for the hazard's own photo, 409 `after_photo_is_hazard` for a photo the model flagged as a hazard of its own, 409 `after_photo_in_use` for another fix's.
     */
    post: operations["ApiRectificationsRectificationIdCloseClose"];
  };
  "/api/rectifications": {
    /** Fixes on my sites (reviewers) or assigned to me; ?overdue=true for late ones */
    get: operations["ApiRectificationsList"];
  };
  "/api/attendance/punches/{punch_id}/cosign": {
    /** Vouch in person for a worker without face consent (cosign_required) */
    post: operations["ApiAttendancePunchesPunchIdCosignCosign"];
  };
  "/api/attendance/daily": {
    /** One site's day: each crew member's first in, last out, minutes, status */
    get: operations["ApiAttendanceDailyDaily"];
  };
  "/api/attendance/export": {
    /** Punches of a site over a date range as CSV or XLSX */
    get: operations["ApiAttendanceExportExport"];
  };
  "/api/attendance/punches/{punch_id}": {
    /** One punch */
    get: operations["ApiAttendancePunchesPunchIdGetPunch"];
  };
  "/api/attendance/punches": {
    /** Punches the caller may see, newest first */
    get: operations["ApiAttendancePunchesListPunches"];
    /**
     * Punch in or out with a selfie (multipart: selfie + meta JSON)
     * @description Always stored, whatever the verdict: `status` accepted, review or rejected with `reasons`. Idempotent by meta.id (a resend replays the first answer).
     */
    post: operations["ApiAttendancePunchesPunch"];
  };
  "/api/attendance/punches/{punch_id}/review": {
    /** Accept or reject a punch in review */
    post: operations["ApiAttendancePunchesPunchIdReviewReview"];
  };
  "/api/webhooks": {
    /** The company's webhooks */
    get: operations["ApiWebhooksList"];
    /** Subscribe a URL (generic JSON or a WeCom group robot) to event kinds */
    post: operations["ApiWebhooksCreate"];
  };
  "/api/webhooks/{webhook_id}/deliveries": {
    /** What was sent to a webhook and how the receiver answered */
    get: operations["ApiWebhooksWebhookIdDeliveriesDeliveries"];
  };
  "/api/webhooks/{webhook_id}": {
    /** Remove a webhook */
    delete: operations["ApiWebhooksWebhookIdRemove"];
  };
  "/api/events": {
    /** Alerts published by every area (absences, overdue maintenance, ...) */
    get: operations["ApiEventsList"];
  };
  "/health": {
    /** 200 when database and storage answer, 503 otherwise */
    get: operations["HealthHealth"];
  };
  "/health/live": {
    /** Liveness: 200 while the process serves requests; checks no dependency */
    get: operations["HealthLiveLive"];
  };
  "/health/ready": {
    /** Readiness: 200 when database, storage and the schema (migrations at head) are ready, 503 naming what is not */
    get: operations["HealthReadyReady"];
  };
}
/** OneOf type helpers */
type Without<T, U> = { [P in Exclude<keyof T, keyof U>]?: never };
type XOR<T, U> = (T | U) extends object ? (Without<T, U> & U) | (Without<U, T> & T) : T | U;
type OneOf<T extends any[]> = T extends [infer Only] ? Only : T extends [infer A, infer B, ...infer Rest] ? OneOf<[XOR<A, B>, ...Rest]> : never;


export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    /** Page[EventOut] */
    AlertPage: {
      items: components["schemas"]["alerts_schemas_EventOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** AuditOut */
    AuditOut: {
      id: number;
      /** Format: date-time */
      at: string;
      actor_id: string | null;
      actor_role: string | null;
      action: string;
      entity: string;
      entity_id: string;
      before: OneOf<[{
        [key: string]: unknown;
      }, null]>;
      after: OneOf<[{
        [key: string]: unknown;
      }, null]>;
      ip: string | null;
      device_id: string | null;
      request_id: string | null;
    };
    /** Page[AuditOut] */
    AuditPage: {
      items: components["schemas"]["AuditOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** BatchCertificate */
    BatchCertificate: {
      /** @enum {string} */
      state: "missing" | "expired" | "expiring" | "valid";
      expires_on: string | null;
      content_type: string | null;
      bytes: number | null;
      uploaded_at: string | null;
      url: string | null;
      url_expires_in: number | null;
    };
    /** BatchIn */
    BatchIn: {
      /** Format: uuid */
      site_id: string;
      material: string;
      batch_no: string;
      supplier: string;
      quantity: number;
      unit: string;
      spec?: string | null;
      certificate_expires_on?: string | null;
      id?: string | null;
    };
    /** BatchOut */
    BatchOut: {
      /** Format: uuid */
      id: string;
      code: string;
      scan_url: string;
      /** Format: uuid */
      site_id: string;
      site_name: string;
      material: string;
      spec: string | null;
      batch_no: string;
      supplier: string;
      quantity: number;
      unit: string;
      certificate: components["schemas"]["BatchCertificate"];
      received: components["schemas"]["Received"];
      /** Format: date-time */
      created_at: string;
    };
    /** Page[BatchOut] */
    BatchPage: {
      items: components["schemas"]["BatchOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** BatchScan */
    BatchScan: {
      code: string;
      item: components["schemas"]["BatchOut"];
      flags: string[];
      actions: string[];
      /** @constant */
      kind: "material_batch";
    };
    /** CertificateForm */
    CertificateForm: {
      /** Format: binary */
      file: string;
      expires_on?: string | null;
    };
    /** CloseIn */
    CloseIn: {
      /** Format: uuid */
      photo_id: string;
      note: string;
      /** @default false */
      override: boolean;
    };
    /** CompanyAdminIn */
    CompanyAdminIn: {
      login: string;
      password: string;
      name: string;
      phone?: string | null;
    };
    /** CompanyBrief */
    CompanyBrief: {
      /** Format: uuid */
      id: string;
      name: string;
    };
    /** CompanyIn */
    CompanyIn: {
      name: string;
      admin: components["schemas"]["CompanyAdminIn"];
    };
    /** CompanyOut */
    CompanyOut: {
      /** Format: uuid */
      id: string;
      name: string;
      admin_id: string | null;
      is_active: boolean;
      /** Format: date-time */
      created_at: string;
    };
    /** Page[CompanyOut] */
    CompanyPage: {
      items: components["schemas"]["CompanyOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** CosignIn */
    CosignIn: {
      note?: string | null;
    };
    /** CrewBrief */
    CrewBrief: {
      /** Format: uuid */
      id: string;
      name: string;
      /** Format: uuid */
      site_id: string;
    };
    /** CrewIn */
    CrewIn: {
      /** Format: uuid */
      site_id: string;
      name: string;
      foreman_id?: string | null;
      id?: string | null;
    };
    /** CrewOut */
    CrewOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      site_id: string;
      name: string;
      foreman_id: string | null;
      /** Format: date-time */
      created_at: string;
    };
    /** Page[CrewOut] */
    CrewPage: {
      items: components["schemas"]["CrewOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** DailyBoard */
    DailyBoard: {
      /** Format: uuid */
      site_id: string;
      /** Format: date */
      date: string;
      timezone: string;
      /** @description Local time of day, HH:MM:SS */
      shift_start: string;
      grace_min: number;
      working_day: boolean;
      counts: {
        [key: string]: number;
      };
      rows: components["schemas"]["DailyRow"][];
    };
    /** DailyRow */
    DailyRow: {
      /** Format: uuid */
      user_id: string;
      name: string;
      crew_id: string | null;
      status: components["schemas"]["DayStatus"];
      first_in: string | null;
      last_out: string | null;
      worked_minutes: number;
      late_minutes: number;
      punches: number;
      anomalies: string[];
    };
    /**
     * DayStatus
     * @enum {string}
     */
    DayStatus: "present" | "late" | "absent" | "anomaly";
    /**
     * Decision
     * @enum {string}
     */
    Decision: "confirm" | "dismiss";
    /** DecodeForm */
    DecodeForm: {
      /** Format: binary */
      image: string;
    };
    /** Decoded */
    Decoded: {
      codes: string[];
      texts: string[];
    };
    /** DefectClose */
    DefectClose: {
      note?: string | null;
    };
    /** DeliveryOut */
    DeliveryOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      event_id: string;
      kind: string;
      status: components["schemas"]["DeliveryStatus"];
      attempts: number;
      last_status_code: number | null;
      last_error: string | null;
      delivered_at: string | null;
      /** Format: date-time */
      created_at: string;
    };
    /** Page[DeliveryOut] */
    DeliveryPage: {
      items: components["schemas"]["DeliveryOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /**
     * DeliveryStatus
     * @enum {string}
     */
    DeliveryStatus: "pending" | "delivered" | "failed";
    /** DueItem */
    DueItem: {
      /** @enum {string} */
      kind: "maintenance" | "certificate";
      /** @enum {string} */
      status: "overdue" | "due" | "expired" | "expiring";
      /** Format: uuid */
      equipment_id: string;
      code: string;
      name: string;
      /** Format: uuid */
      site_id: string;
      site_name: string;
      /** Format: date */
      due_on: string;
      days_left: number;
      plan_id: string | null;
      title: string;
    };
    /** DueList */
    DueList: {
      items: components["schemas"]["DueItem"][];
      within_days: number;
    };
    /** EquipmentCertificate */
    EquipmentCertificate: {
      number: string | null;
      expires_on: string | null;
      /** @enum {string} */
      state: "missing" | "expired" | "expiring" | "valid";
    };
    /**
     * EquipmentEventKind
     * @enum {string}
     */
    EquipmentEventKind: "inspection" | "maintenance" | "check_out" | "check_in" | "defect";
    /** Page[EventOut] */
    EquipmentEventPage: {
      items: components["schemas"]["equipment_schemas_EventOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** EquipmentIn */
    EquipmentIn: {
      /** Format: uuid */
      site_id: string;
      name: string;
      category: string;
      model?: string | null;
      serial_no?: string | null;
      owner?: string | null;
      /** @default false */
      rented: boolean;
      certificate_no?: string | null;
      certificate_expires_on?: string | null;
      id?: string | null;
    };
    /** EquipmentOut */
    EquipmentOut: {
      /** Format: uuid */
      id: string;
      code: string;
      scan_url: string;
      /** Format: uuid */
      site_id: string;
      site_name: string;
      name: string;
      category: string;
      model: string | null;
      serial_no: string | null;
      owner: string | null;
      rented: boolean;
      certificate: components["schemas"]["EquipmentCertificate"];
      /** @enum {string} */
      status: "available" | "checked_out" | "defective" | "retired";
      holder: components["schemas"]["Holder"] | null;
      checked_out_at: string | null;
      next_maintenance: components["schemas"]["NextMaintenance"] | null;
      open_defects: number;
      is_active: boolean;
      /** Format: date-time */
      created_at: string;
    };
    /** Page[EquipmentOut] */
    EquipmentPage: {
      items: components["schemas"]["EquipmentOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** EquipmentPatch */
    EquipmentPatch: {
      site_id?: string;
      name?: string;
      category?: string;
      model?: string | null;
      serial_no?: string | null;
      owner?: string | null;
      rented?: boolean;
      certificate_no?: string | null;
      certificate_expires_on?: string | null;
      is_active?: boolean;
    };
    /** EquipmentScan */
    EquipmentScan: {
      code: string;
      item: components["schemas"]["EquipmentOut"];
      flags: string[];
      actions: string[];
      defects: components["schemas"]["OpenDefect"][];
      /** @constant */
      kind: "equipment";
    };
    /** EvaluationOut */
    EvaluationOut: {
      available: boolean;
      stale: boolean;
      runs: components["schemas"]["EvaluationRunOut"][];
      reason?: string | null;
      created_at?: string | null;
    };
    /** EvaluationRunOut */
    EvaluationRunOut: {
      set: string;
      photos: number;
      hazard_photos: number;
      tiling: OneOf<[{
        [key: string]: unknown;
      }, null]>;
      current: boolean;
      threshold: number;
      head: components["schemas"]["Rates"];
      photo: components["schemas"]["Rates"];
      latency_ms_p50: number | null;
    };
    /** EventIn */
    EventIn: {
      kind: components["schemas"]["EquipmentEventKind"];
      note?: string | null;
      holder_id?: string | null;
      plan_id?: string | null;
      occurred_at?: string | null;
      photo_ids?: string[];
      id?: string | null;
    };
    /**
     * ExportFormat
     * @default csv
     * @enum {string}
     */
    ExportFormat: "csv" | "xlsx";
    /** FaceEnrolForm */
    FaceEnrolForm: {
      /** Format: binary */
      image: string;
      consent: string;
      consent_version?: string | null;
      id?: string | null;
    };
    /** FaceStatus */
    FaceStatus: {
      enrolled: boolean;
      samples: number;
      verified: boolean;
      consented_at?: string | null;
      consent_version?: string | null;
      first_enrolled_at?: string | null;
    };
    /** FaceSummary */
    FaceSummary: {
      enrolled: boolean;
      verified: boolean;
      samples: number;
    };
    /** FlaggedPage[HazardOut] */
    HazardPage: {
      items: components["schemas"]["hazards_schemas_HazardOut"][];
      total: number;
      limit: number;
      offset: number;
      model?: components["schemas"]["ModelOut"] | null;
    };
    /** Holder */
    Holder: {
      /** Format: uuid */
      id: string;
      name: string;
    };
    /** ImportErrorOut */
    ImportErrorOut: {
      row: number;
      field: string;
      message: string;
    };
    /** ImportForm */
    ImportForm: {
      /** Format: binary */
      file: string;
      site_id?: string | null;
    };
    /** ImportResult */
    ImportResult: {
      dry_run: boolean;
      rows: number;
      imported: number;
      errors: components["schemas"]["ImportErrorOut"][];
      items: components["schemas"]["ImportedItem"][];
    };
    /** ImportedItem */
    ImportedItem: {
      row: number;
      /** Format: uuid */
      id: string;
      code: string;
    };
    /** InspectionIn */
    InspectionIn: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      site_id: string;
      title: string;
      notes?: string | null;
      lat?: number | null;
      lon?: number | null;
      equipment_id?: string | null;
    };
    /** InspectionOut */
    InspectionOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      site_id: string;
      /** Format: uuid */
      created_by: string;
      title: string;
      notes: string | null;
      lat: number | null;
      lon: number | null;
      equipment_id: string | null;
      /** Format: date-time */
      created_at: string;
      photos: components["schemas"]["PhotoOut"][];
    };
    /** Page[InspectionOut] */
    InspectionPage: {
      items: components["schemas"]["InspectionOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** LiveOut */
    LiveOut: {
      site_id: string | null;
      confirmed: number;
      dismissed: number;
      open: number;
      precision: number | null;
    };
    /** LoginIn */
    LoginIn: {
      login: string;
      password: string;
    };
    /** LoginOut */
    LoginOut: {
      access_token: string;
      token_type: string;
      expires_in: number;
      user: components["schemas"]["UserBrief"];
    };
    /** MeOut */
    MeOut: {
      /** Format: uuid */
      id: string;
      name: string;
      login: string;
      phone: string | null;
      role: components["schemas"]["Role"];
      company_id: string | null;
      company: components["schemas"]["CompanyBrief"] | null;
      crew: components["schemas"]["CrewBrief"] | null;
      sites: components["schemas"]["SiteBrief"][];
    };
    /** ModelClassOut */
    ModelClassOut: {
      name: string;
      role: string;
      threshold: number | null;
    };
    /** ModelOut */
    ModelOut: {
      model: string;
      file: string;
      shipped: boolean;
      classes: components["schemas"]["ModelClassOut"][];
      evaluation: components["schemas"]["EvaluationOut"];
      live: components["schemas"]["LiveOut"];
    };
    /** ModelPrecision */
    ModelPrecision: {
      model: string;
      confirmed: number;
      dismissed: number;
      open: number;
      precision: number | null;
    };
    /** NextMaintenance */
    NextMaintenance: {
      /** Format: uuid */
      plan_id: string;
      title: string;
      /** Format: date */
      due_on: string;
      days_left: number;
      overdue: boolean;
    };
    /** OpenDefect */
    OpenDefect: {
      /** Format: uuid */
      id: string;
      note: string | null;
      /** Format: date-time */
      reported_at: string;
    };
    /** PhotoForm */
    PhotoForm: {
      /** Format: binary */
      file: string;
      meta: string;
    };
    /** PhotoOut */
    PhotoOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      site_id: string;
      url: string;
      thumb_url: string;
      url_expires_in: number;
      width: number;
      height: number;
      bytes: number;
      sha256: string;
      content_type: string;
      captured_at: string | null;
      lat: number | null;
      lon: number | null;
      /** Format: uuid */
      uploaded_by: string;
      /** Format: date-time */
      created_at: string;
      hazard: components["schemas"]["photos_schemas_HazardOut"];
    };
    /** PlanIn */
    PlanIn: {
      title: string;
      every_days: number;
      next_due_on?: string | null;
      id?: string | null;
    };
    /** PlanList */
    PlanList: {
      items: components["schemas"]["PlanOut"][];
    };
    /** PlanOut */
    PlanOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      equipment_id: string;
      title: string;
      every_days: number;
      /** Format: date */
      next_due_on: string;
      last_done_at: string | null;
      is_active: boolean;
      /** Format: date-time */
      created_at: string;
    };
    /** PrecisionOut */
    PrecisionOut: {
      items: components["schemas"]["SitePrecision"][];
      since?: string | null;
      until?: string | null;
    };
    /** Problem */
    Problem: {
      type: string;
      status: number;
      code: string;
      title: string;
      detail: string;
      instance?: string | null;
    };
    /** ProjectIn */
    ProjectIn: {
      name: string;
      member_ids?: string[];
    };
    /** ProjectOut */
    ProjectOut: {
      /** Format: uuid */
      id: string;
      name: string;
      member_ids: string[];
      /** Format: date-time */
      created_at: string;
    };
    /** Page[ProjectOut] */
    ProjectPage: {
      items: components["schemas"]["ProjectOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** PunchForm */
    PunchForm: {
      meta: string;
      /** Format: binary */
      selfie: string;
    };
    /**
     * PunchKind
     * @enum {string}
     */
    PunchKind: "in" | "out";
    /** PunchOut */
    PunchOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      user_id: string;
      /** Format: uuid */
      site_id: string;
      kind: components["schemas"]["PunchKind"];
      status: components["schemas"]["PunchStatus"];
      reasons: string[];
      checks: {
        [key: string]: unknown;
      };
      /** Format: date-time */
      captured_at: string;
      /** Format: date-time */
      received_at: string;
      age_s: number;
      lat: number;
      lon: number;
      accuracy_m: number;
      device_id: string;
      cosigned_by?: string | null;
      cosigned_at?: string | null;
      reviewed_by?: string | null;
      reviewed_at?: string | null;
      review_note?: string | null;
      selfie_url?: string | null;
      timings_ms?: OneOf<[{
        [key: string]: number;
      }, null]>;
    };
    /** Page[PunchOut] */
    PunchPage: {
      items: components["schemas"]["PunchOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /**
     * PunchStatus
     * @enum {string}
     */
    PunchStatus: "accepted" | "review" | "rejected";
    /** Rates */
    Rates: {
      precision: number | null;
      recall: number | null;
    };
    /** ReceiptIn */
    ReceiptIn: {
      quantity: number;
      accepted: boolean;
      note?: string | null;
      reason?: string | null;
      received_at?: string | null;
      photo_ids?: string[];
      id?: string | null;
    };
    /** ReceiptOut */
    ReceiptOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      batch_id: string;
      quantity: number;
      unit: string;
      accepted: boolean;
      note: string | null;
      reason: string | null;
      received_by: string | null;
      /** Format: date-time */
      received_at: string;
      /** Format: date-time */
      created_at: string;
      photo_ids: string[];
    };
    /** Page[ReceiptOut] */
    ReceiptPage: {
      items: components["schemas"]["ReceiptOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** Received */
    Received: {
      accepted: number;
      rejected: number;
      receipts: number;
    };
    /** RectificationOut */
    RectificationOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      site_id: string;
      /** Format: uuid */
      hazard_id: string;
      status: string;
      assignee_id: string | null;
      /** Format: date-time */
      due_at: string;
      overdue: boolean;
      note: string | null;
      /** Format: uuid */
      created_by: string;
      /** Format: date-time */
      created_at: string;
      after_photo_id?: string | null;
      close_note?: string | null;
      /** @default false */
      override: boolean;
      closed_by?: string | null;
      closed_at?: string | null;
      refused_reason?: string | null;
    };
    /** Page[RectificationOut] */
    RectificationPage: {
      items: components["schemas"]["RectificationOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /**
     * ReviewDecision
     * @enum {string}
     */
    ReviewDecision: "accept" | "reject";
    /**
     * Role
     * @enum {string}
     */
    Role: "superadmin" | "admin" | "manager" | "safety_officer" | "foreman" | "worker";
    /** SiteBrief */
    SiteBrief: {
      /** Format: uuid */
      id: string;
      name: string;
      timezone: string;
    };
    /** SiteIn */
    SiteIn: {
      name: string;
      geofence: {
        [key: string]: unknown;
      };
      timezone: string;
      /** @default 50 */
      max_accuracy_m: number;
      project_id?: string | null;
      /**
       * @description Local time of day, HH:MM:SS
       * @default 08:00:00
       */
      shift_start: string;
      hazard_tiling?: OneOf<[{
        [key: string]: unknown;
      }, null]>;
      id?: string | null;
    };
    /** SiteMatch */
    SiteMatch: {
      /** Format: uuid */
      id: string;
      name: string;
      distance_m: number;
      inside: boolean;
    };
    /** SiteMatches */
    SiteMatches: {
      items: components["schemas"]["SiteMatch"][];
    };
    /** SiteOut */
    SiteOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      company_id: string;
      project_id: string | null;
      name: string;
      geofence: {
        [key: string]: unknown;
      };
      timezone: string;
      max_accuracy_m: number;
      /** @description Local time of day, HH:MM:SS */
      shift_start: string;
      is_active: boolean;
      area_m2: number;
      /** Format: date-time */
      created_at: string;
      hazard_tiling: OneOf<[{
        [key: string]: unknown;
      }, null]>;
    };
    /** Page[SiteOut] */
    SitePage: {
      items: components["schemas"]["SiteOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** SitePatch */
    SitePatch: {
      name?: string | null;
      geofence?: OneOf<[{
        [key: string]: unknown;
      }, null]>;
      timezone?: string | null;
      max_accuracy_m?: number | null;
      project_id?: string | null;
      shift_start?: string | null;
      is_active?: boolean | null;
      hazard_tiling?: OneOf<[{
        [key: string]: unknown;
      }, null]>;
    };
    /** SitePrecision */
    SitePrecision: {
      /** Format: uuid */
      site_id: string;
      site_name: string;
      confirmed: number;
      dismissed: number;
      open: number;
      precision: number | null;
      models: components["schemas"]["ModelPrecision"][];
    };
    /** UserBrief */
    UserBrief: {
      /** Format: uuid */
      id: string;
      name: string;
      role: components["schemas"]["Role"];
      company_id: string | null;
    };
    /** UserIn */
    UserIn: {
      name: string;
      role: components["schemas"]["Role"];
      password: string;
      phone?: string | null;
      login?: string | null;
      crew_id?: string | null;
      id?: string | null;
    };
    /** UserOut */
    UserOut: {
      /** Format: uuid */
      id: string;
      company_id: string | null;
      name: string;
      login: string;
      phone: string | null;
      role: components["schemas"]["Role"];
      crew_id: string | null;
      is_active: boolean;
      /** Format: date-time */
      created_at: string;
      face: components["schemas"]["FaceSummary"];
    };
    /** Page[UserOut] */
    UserPage: {
      items: components["schemas"]["UserOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** UserPatch */
    UserPatch: {
      name?: string | null;
      phone?: string | null;
      role?: components["schemas"]["Role"] | null;
      crew_id?: string | null;
      password?: string | null;
      is_active?: boolean | null;
    };
    /**
     * WebhookFormat
     * @default json
     * @enum {string}
     */
    WebhookFormat: "json" | "wecom";
    /** WebhookIn */
    WebhookIn: {
      url: string;
      kinds: string[];
      format?: components["schemas"]["WebhookFormat"];
      secret?: string | null;
      id?: string | null;
    };
    /** WebhookOut */
    WebhookOut: {
      /** Format: uuid */
      id: string;
      url: string;
      kinds: string[];
      format: components["schemas"]["WebhookFormat"];
      has_secret: boolean;
      /** Format: date-time */
      created_at: string;
    };
    /** Page[WebhookOut] */
    WebhookPage: {
      items: components["schemas"]["WebhookOut"][];
      total: number;
      limit: number;
      offset: number;
    };
    /** EventOut */
    alerts_schemas_EventOut: {
      /** Format: uuid */
      id: string;
      kind: string;
      site_id: string | null;
      payload: {
        [key: string]: unknown;
      };
      /** Format: date-time */
      created_at: string;
    };
    /** ReviewIn */
    attendance_schemas_ReviewIn: {
      decision: components["schemas"]["ReviewDecision"];
      note?: string | null;
    };
    /** EventOut */
    equipment_schemas_EventOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      equipment_id: string;
      /** Format: uuid */
      site_id: string;
      kind: components["schemas"]["EquipmentEventKind"];
      note: string | null;
      holder_id: string | null;
      plan_id: string | null;
      actor_id: string | null;
      /** Format: date-time */
      occurred_at: string;
      /** Format: date-time */
      created_at: string;
      open: boolean | null;
      closed_at: string | null;
      close_note: string | null;
      photo_ids: string[];
    };
    /** HazardOut */
    hazards_schemas_HazardOut: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      site_id: string;
      status: string;
      model: string;
      top_score: number;
      /** Format: date-time */
      created_at: string;
      photo: {
        [key: string]: unknown;
      };
      reviewed_by?: string | null;
      reviewed_at?: string | null;
      review_note?: string | null;
      rectification_id?: string | null;
    };
    /** ReviewIn */
    hazards_schemas_ReviewIn: {
      decision: components["schemas"]["Decision"];
      note?: string | null;
      assignee_id?: string | null;
      due_at?: string | null;
    };
    /** HazardOut */
    photos_schemas_HazardOut: {
      status: string;
      model: string | null;
      detections: {
          [key: string]: unknown;
        }[];
      checked_at?: string | null;
      error?: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** Log in with login and password */
  ApiAuthLoginLogin: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["LoginIn"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["LoginOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Too many attempts; wait for Retry-After (rate_limited) */
      429: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The current user, with crew and sites */
  ApiMeMe: {
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["MeOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Sign out everywhere: end every token issued to me so far */
  ApiMeSignOutSignOutMe: {
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** List companies */
  ApiCompaniesList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["CompanyPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Create a company and its first admin */
  ApiCompaniesCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["CompanyIn"];
      };
    };
    responses: {
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["CompanyOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** List people */
  ApiUsersList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        role?: components["schemas"]["Role"] | null;
        crew_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["UserPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Create a user (login defaults to the phone number) */
  ApiUsersCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["UserIn"];
      };
    };
    responses: {
      /** @description Replay of an earlier create */
      200: {
        content: {
          "application/json": components["schemas"]["UserOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["UserOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One user */
  ApiUsersUserIdGet: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["UserOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Change a user */
  ApiUsersUserIdUpdate: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UserPatch"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["UserOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Sign a person out everywhere: end every token issued to them so far */
  ApiUsersUserIdSignOutSignOut: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Enrolment state and consent */
  ApiUsersUserIdFaceStatus: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["FaceStatus"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Enrol a face sample (multipart: image, consent=true)
   * @description 422 codes: consent_required, face_not_found, multiple_faces, image_invalid, face_mismatch (the sample is not the person already enrolled). Repeating adds a sample; at the limit the oldest is replaced. The photo is not kept. An enrolment after an erasure made by the worker or a foreman is kept unverified (punches matching it go to review, face_reenrolled) until a manager or admin verifies it or enrols the face themself.
   */
  ApiUsersUserIdFaceEnrol: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["FaceEnrolForm"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["FaceStatus"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Erase every face template and withdraw consent
   * @description Also deletes the worker's kept punch selfies from the store (their punches stay, with `selfie_url` null).
   */
  ApiUsersUserIdFaceErase: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Confirm that the enrolled face is this worker's (after a re-enrolment)
   * @description Matching selfies count again (no more face_reenrolled). 403 self_verify for one's own face; 409 face_not_enrolled when nothing is enrolled. Verifying a confirmed enrolment changes nothing.
   */
  ApiUsersUserIdFaceVerifyVerify: {
    parameters: {
      path: {
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["FaceStatus"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Assign a person (e.g. a safety officer) to a site */
  ApiSitesSiteIdStaffUserIdAddStaff: {
    parameters: {
      path: {
        site_id: string;
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Remove a person from a site's staff */
  ApiSitesSiteIdStaffUserIdRemoveStaff: {
    parameters: {
      path: {
        site_id: string;
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Sites visible to the caller */
  ApiSitesList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        project_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["SitePage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Create a site with a GeoJSON Polygon or MultiPolygon geofence */
  ApiSitesCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["SiteIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["SiteOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["SiteOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One site */
  ApiSitesSiteIdGet: {
    parameters: {
      path: {
        site_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["SiteOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Change a site */
  ApiSitesSiteIdUpdate: {
    parameters: {
      path: {
        site_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["SitePatch"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["SiteOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Which of my sites is this position in or near (nearest first) */
  ApiSitesLocateLocate: {
    parameters: {
      query: {
        lat: number;
        lon: number;
        accuracy_m?: number;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["SiteMatches"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Make a manager a member of a project */
  ApiProjectsProjectIdMembersUserIdAddMember: {
    parameters: {
      path: {
        project_id: string;
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Remove a member from a project */
  ApiProjectsProjectIdMembersUserIdRemoveMember: {
    parameters: {
      path: {
        project_id: string;
        user_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Projects visible to the caller */
  ApiProjectsList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ProjectPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Create a project (a group of sites) */
  ApiProjectsCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["ProjectIn"];
      };
    };
    responses: {
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ProjectOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Crews on the caller's sites */
  ApiCrewsList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["CrewPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Create a crew on a site */
  ApiCrewsCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["CrewIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["CrewOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["CrewOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Who did what, when (newest first) */
  ApiAuditList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        entity?: string | null;
        entity_id?: string | null;
        actor_id?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        from?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        to?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["AuditPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Close an open defect: the item is fit for use again */
  ApiEquipmentEquipmentIdEventsEventIdCloseCloseDefect: {
    parameters: {
      path: {
        equipment_id: string;
        event_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["DefectClose"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["equipment_schemas_EventOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Items on the caller's sites, newest first */
  ApiEquipmentListItems: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
        holder_id?: string | null;
        q?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["EquipmentPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Register an item; it gets a short QR code (idempotent by client id) */
  ApiEquipmentCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["EquipmentIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["EquipmentOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["EquipmentOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The item's history, newest first */
  ApiEquipmentEquipmentIdEventsListEvents: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        kind?: components["schemas"]["EquipmentEventKind"] | null;
      };
      path: {
        equipment_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["EquipmentEventPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Record an inspection, maintenance, check-out, check-in or defect
   * @description Idempotent by client `id`. 403 `event_kind_forbidden`: inspections are for admins, managers and safety officers, maintenance also for foremen. 409 `already_checked_out`, `not_checked_out`, `equipment_defective`, `certificate_expired`, `equipment_retired`; 422 `holder_required`.
   */
  ApiEquipmentEquipmentIdEventsCreateEvent: {
    parameters: {
      path: {
        equipment_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["EventIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["equipment_schemas_EventOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["equipment_schemas_EventOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The item's maintenance plans, soonest due first */
  ApiEquipmentEquipmentIdMaintenancePlansListPlans: {
    parameters: {
      path: {
        equipment_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PlanList"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Plan maintenance every N days */
  ApiEquipmentEquipmentIdMaintenancePlansCreatePlan: {
    parameters: {
      path: {
        equipment_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["PlanIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["PlanOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PlanOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Maintenance due or overdue and inspection certificates expiring, soonest first */
  ApiEquipmentDueDue: {
    parameters: {
      query?: {
        site_id?: string | null;
        within_days?: number;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["DueList"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The ledger as an XLSX file (one site, or every site the caller sees) */
  ApiEquipmentExportXlsxExport: {
    parameters: {
      query?: {
        site_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One item */
  ApiEquipmentEquipmentIdGetItem: {
    parameters: {
      path: {
        equipment_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["EquipmentOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Change an item: move it to another site, rename, renew its certificate, retire */
  ApiEquipmentEquipmentIdUpdate: {
    parameters: {
      path: {
        equipment_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["EquipmentPatch"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["EquipmentOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Import items from XLSX/CSV: good rows are registered, bad rows reported
   * @description Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional `site_id` for rows without a `site` column. Columns: name*, category*, model, serial_no, owner, rented, certificate_no, certificate_expires_on, site. Valid rows only: every bad row is reported as {row, field, message} and the others are registered together; `?dry_run=true` only checks. 422 `import_columns_missing` or `file_invalid` imports nothing.
   */
  ApiEquipmentImportImportFile: {
    parameters: {
      query?: {
        dry_run?: boolean;
      };
    };
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["ImportForm"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ImportResult"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The item's QR label as PNG (300 dpi at the default 10 px per module) */
  ApiEquipmentEquipmentIdLabelPngLabelPng: {
    parameters: {
      query?: {
        /** @description pixels per QR module */
        scale?: number;
      };
      path: {
        equipment_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "image/png": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** A print-ready A4 sheet of labels: a site's active items, or the ids given */
  ApiEquipmentLabelsHtmlLabelSheet: {
    parameters: {
      query: {
        site_id: string;
        ids?: string[] | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "text/html": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The item's QR label as SVG (50 mm wide) */
  ApiEquipmentEquipmentIdLabelSvgLabelSvg: {
    parameters: {
      path: {
        equipment_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "image/svg+xml": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Import batches from XLSX/CSV: good rows are registered, bad rows reported
   * @description Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional `site_id` for rows without a `site` column. Columns: material*, batch_no*, supplier*, quantity*, unit*, spec, certificate_expires_on, site. Valid rows only: every bad row is reported as {row, field, message}, the others are registered together; `?dry_run=true` only checks.
   */
  ApiMaterialsBatchesImportImportFile: {
    parameters: {
      query?: {
        dry_run?: boolean;
      };
    };
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["ImportForm"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ImportResult"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The batch's QR label as PNG */
  ApiMaterialsBatchesBatchIdLabelPngLabelPng: {
    parameters: {
      query?: {
        /** @description pixels per QR module */
        scale?: number;
      };
      path: {
        batch_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "image/png": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** A print-ready A4 sheet of a site's batch labels (or of the ids given) */
  ApiMaterialsBatchesLabelsHtmlLabelSheet: {
    parameters: {
      query: {
        site_id: string;
        ids?: string[] | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "text/html": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The batch's QR label as SVG */
  ApiMaterialsBatchesBatchIdLabelSvgLabelSvg: {
    parameters: {
      path: {
        batch_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "image/svg+xml": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Batches on the caller's sites, newest first */
  ApiMaterialsBatchesListItems: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
        certificate?: "missing" | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["BatchPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Register a batch delivered to a site; it gets a short QR code
   * @description Idempotent by client `id`. 409 `batch_taken` when the site already has this batch number of this material from this supplier.
   */
  ApiMaterialsBatchesCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["BatchIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["BatchOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["BatchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The batch's receipts, newest first */
  ApiMaterialsBatchesBatchIdReceiptsListReceipts: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
      path: {
        batch_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ReceiptPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Record a delivery checked at the gate: accepted, or rejected with a reason
   * @description Idempotent by client `id`. 422 `reason_required` for a rejection without a reason; `photo_ids` are photos uploaded to the batch's site.
   */
  ApiMaterialsBatchesBatchIdReceiptsCreateReceipt: {
    parameters: {
      path: {
        batch_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ReceiptIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["ReceiptOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ReceiptOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One batch */
  ApiMaterialsBatchesBatchIdGetItem: {
    parameters: {
      path: {
        batch_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["BatchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Upload the batch's certificate (PDF or a photo of it)
   * @description Multipart `file` (PDF, JPEG, PNG, WebP or HEIC; at most 20 MB; the type is read from the bytes) and optional `expires_on` (YYYY-MM-DD). Replaces the current certificate. 413 `file_too_large`, 415 `file_invalid` (not a PDF or a photo), 422 `file_invalid` (a broken one).
   */
  ApiMaterialsBatchesBatchIdCertificatePutCertificate: {
    parameters: {
      path: {
        batch_id: string;
      };
    };
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["CertificateForm"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["BatchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Read the QR codes in a photo, for phones whose own scanning fails
   * @description Multipart `image` (JPEG, PNG, WebP, HEIC; the type is read from the bytes). Tilted, small and slightly blurred labels read. 413 `file_too_large`/`image_too_large`, 422 `image_invalid`.
   */
  ApiScanDecodeDecode: {
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["DecodeForm"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["Decoded"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Resolve a scanned code: the item and what to do next, in one round trip
   * @description `code` is the bare code (case, the middle hyphen and O/0, I/L/1 mix-ups do not matter) or the label's whole URL, URL-encoded. `kind` is `equipment` or `material_batch`. 404 `unknown_code` for a code that does not exist or is not visible to the caller.
   */
  ApiScanCodeScan: {
    parameters: {
      path: {
        code: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["EquipmentScan"] | components["schemas"]["BatchScan"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Inspections visible to the caller, newest first */
  ApiInspectionsList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["InspectionPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Start an inspection on a site (idempotent by client id) */
  ApiInspectionsCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["InspectionIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["InspectionOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["InspectionOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One inspection with photos */
  ApiInspectionsInspectionIdShow: {
    parameters: {
      path: {
        inspection_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["InspectionOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Upload a photo into an inspection
   * @description Multipart: `file` (JPEG, PNG, WebP, HEIC/HEIF or AVIF; the type is read from the bytes) and `meta`, a JSON string `{id, captured_at?, lat?, lon?}`. 201 first time, 200 with the same photo for a resend of the same id and file, 409 `id_conflict` for the same id with another file. 413 `file_too_large` or `image_too_large` (pixels), 422 `image_invalid`/`image_timeout`, 503 `storage_unavailable` (nothing stored; send again).
   */
  ApiInspectionsInspectionIdPhotosUpload: {
    parameters: {
      path: {
        inspection_id: string;
      };
    };
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["PhotoForm"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["PhotoOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PhotoOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Redirect to a short-lived link to the image (rights checked first) */
  ApiPhotosPhotoIdFileFile: {
    parameters: {
      query?: {
        variant?: "full" | "thumb";
      };
      path: {
        photo_id: string;
      };
    };
    responses: {
      /** @description Redirect Response */
      307: {
        headers: {
          /** @description target path for the redirect */
          location?: string;
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** A photo with its hazard check */
  ApiPhotosPhotoIdShow: {
    parameters: {
      path: {
        photo_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PhotoOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Upload a photo to attach later (to a defect, receipt or rectification)
   * @description Multipart: `file` (JPEG, PNG, WebP, HEIC/HEIF or AVIF; the type is read from the bytes) and `meta`, a JSON string `{id, site_id, captured_at?, lat?, lon?}`. 201 first time, 200 with the same photo for a resend of the same id and file, 409 `id_conflict` for the same id with another file. 413 `file_too_large` or `image_too_large` (pixels), 422 `image_invalid`/`image_timeout`, 503 `storage_unavailable` (nothing stored; send again).
   */
  ApiPhotosUpload: {
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["PhotoForm"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["PhotoOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PhotoOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Reviewed photos as a YOLO dataset (zip) for retraining
   * @description images/, labels/ (`class cx cy w h`, normalised), data.yaml, README.txt, manifest.csv. Newest reviews first; `limit` 1..1000 (default 200), 422 `validation_error` outside that.
   */
  ApiHazardsExportExport: {
    parameters: {
      query?: {
        site_id?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        since?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        until?: string | null;
        limit?: number;
      };
    };
    responses: {
      /** @description application/zip (Content-Disposition: attachment) */
      200: {
        headers: {
        };
        content: {
          "application/zip": unknown;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The review queue: photos the model flagged, surest first when open */
  ApiHazardsList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
        status?: "open" | "confirmed" | "dismissed" | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["HazardPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * The hazard model in use: evaluated recall and precision, reviewers' verdicts
   * @description `evaluation` comes from the model's evaluation summary (`*.eval.json`): `available: false` with a `reason` when there is none for this exact model file, `stale: true` when it was measured under other thresholds than the policy applies. `live` counts reviewers' decisions on this model's flags on `site_id` (404 when not visible) or on every visible site.
   */
  ApiHazardsModelModel: {
    parameters: {
      query?: {
        site_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["ModelOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * How often the model's flags were right, per site and model
   * @description confirmed / (confirmed + dismissed), null while nothing is reviewed. `since`/`until` (with an offset) bound the review time; open hazards count by when they were flagged.
   */
  ApiHazardsPrecisionPrecision: {
    parameters: {
      query?: {
        site_id?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        since?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        until?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PrecisionOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Confirm (opens a rectification) or dismiss (a false positive)
   * @description 409 `already_reviewed` when the hazard was decided before.
   */
  ApiHazardsHazardIdReviewReview: {
    parameters: {
      path: {
        hazard_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["hazards_schemas_ReviewIn"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["hazards_schemas_HazardOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Close with an after photo the model no longer flags
   * @description 409 `after_photo_flagged` when the model still sees the hazard (a reviewer closes again with `override: true` and a note to overrule it; anyone else gets 403 `override_not_allowed`); 202 while the after photo is still being checked. The after photo must be new: 422 `after_photo_invalid` for the hazard's own photo, 409 `after_photo_is_hazard` for a photo the model flagged as a hazard of its own, 409 `after_photo_in_use` for another fix's.
   */
  ApiRectificationsRectificationIdCloseClose: {
    parameters: {
      path: {
        rectification_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CloseIn"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["RectificationOut"];
        };
      };
      /** @description The after photo is still being checked (status verifying) */
      202: {
        content: {
          "application/json": components["schemas"]["RectificationOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Fixes on my sites (reviewers) or assigned to me; ?overdue=true for late ones */
  ApiRectificationsList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
        status?: "open" | "verifying" | "closed" | null;
        overdue?: boolean | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["RectificationPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Vouch in person for a worker without face consent (cosign_required) */
  ApiAttendancePunchesPunchIdCosignCosign: {
    parameters: {
      path: {
        punch_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CosignIn"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PunchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One site's day: each crew member's first in, last out, minutes, status */
  ApiAttendanceDailyDaily: {
    parameters: {
      query: {
        site_id: string;
        date: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["DailyBoard"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Punches of a site over a date range as CSV or XLSX */
  ApiAttendanceExportExport: {
    parameters: {
      query: {
        site_id: string;
        from: string;
        to: string;
        format?: components["schemas"]["ExportFormat"];
      };
    };
    responses: {
      /** @description A file download (Content-Disposition: attachment) */
      200: {
        headers: {
        };
        content: {
          "text/csv": string;
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": string;
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** One punch */
  ApiAttendancePunchesPunchIdGetPunch: {
    parameters: {
      path: {
        punch_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PunchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Punches the caller may see, newest first */
  ApiAttendancePunchesListPunches: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        site_id?: string | null;
        user_id?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        from?: string | null;
        /** @description RFC 3339 time, e.g. 2026-11-21T07:00:00+08:00 */
        to?: string | null;
        status?: components["schemas"]["PunchStatus"] | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PunchPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /**
   * Punch in or out with a selfie (multipart: selfie + meta JSON)
   * @description Always stored, whatever the verdict: `status` accepted, review or rejected with `reasons`. Idempotent by meta.id (a resend replays the first answer).
   */
  ApiAttendancePunchesPunch: {
    requestBody: {
      content: {
        "multipart/form-data": components["schemas"]["PunchForm"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["PunchOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PunchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Accept or reject a punch in review */
  ApiAttendancePunchesPunchIdReviewReview: {
    parameters: {
      path: {
        punch_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["attendance_schemas_ReviewIn"];
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["PunchOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** The company's webhooks */
  ApiWebhooksList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["WebhookPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Subscribe a URL (generic JSON or a WeCom group robot) to event kinds */
  ApiWebhooksCreate: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["WebhookIn"];
      };
    };
    responses: {
      /** @description Replay */
      200: {
        content: {
          "application/json": components["schemas"]["WebhookOut"];
        };
      };
      /** @description Document created, URL follows */
      201: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["WebhookOut"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** What was sent to a webhook and how the receiver answered */
  ApiWebhooksWebhookIdDeliveriesDeliveries: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
      };
      path: {
        webhook_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["DeliveryPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Remove a webhook */
  ApiWebhooksWebhookIdRemove: {
    parameters: {
      path: {
        webhook_id: string;
      };
    };
    responses: {
      /** @description Request fulfilled, nothing follows */
      204: {
        headers: {
        };
        content: never;
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The client id was used for different content, or the state changed (id_conflict) */
      409: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload or body is larger than the server takes */
      413: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The upload is not a type this endpoint takes */
      415: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Alerts published by every area (absences, overdue maintenance, ...) */
  ApiEventsList: {
    parameters: {
      query?: {
        limit?: number;
        offset?: number;
        kind?: string | null;
        site_id?: string | null;
      };
    };
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": components["schemas"]["AlertPage"];
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description No valid token, or a wrong login (not_authenticated, bad_credentials) */
      401: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The caller's role may not do this (forbidden) */
      403: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description The object does not exist or belongs to another company */
      404: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description Well-formed input that breaks a rule (a bad geofence, an unusable image) */
      422: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** 200 when database and storage answer, 503 otherwise */
  HealthHealth: {
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": {
            [key: string]: string;
          };
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Liveness: 200 while the process serves requests; checks no dependency */
  HealthLiveLive: {
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": {
            [key: string]: string;
          };
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
  /** Readiness: 200 when database, storage and the schema (migrations at head) are ready, 503 naming what is not */
  HealthReadyReady: {
    responses: {
      /** @description Request fulfilled, document follows */
      200: {
        headers: {
        };
        content: {
          "application/json": {
            [key: string]: string;
          };
        };
      };
      /** @description The request is malformed: bad JSON, a missing or mistyped field (validation_error) */
      400: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      /** @description A backing service (database, object store, face key) is unavailable */
      503: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
    };
  };
}

"""All ORM models in one package, so relationships never need cross-domain imports."""

from api.db.models.attendance import Punch, PunchKind, PunchStatus, WorkerDevice
from api.db.models.base import Base
from api.db.models.equipment import (
    Equipment,
    EquipmentEvent,
    EquipmentEventKind,
    MaintenancePlan,
    equipment_event_photos,
)
from api.db.models.events import DeliveryStatus, Event, Webhook, WebhookDelivery, WebhookFormat
from api.db.models.faces import FaceConsent, FaceEnrolment, FaceTemplate
from api.db.models.hazards import Hazard, Rectification
from api.db.models.inspections import Inspection, inspection_photos
from api.db.models.materials import MaterialBatch, MaterialReceipt, material_receipt_photos
from api.db.models.people import LoginThrottle, Role, User
from api.db.models.photos import PendingObject, Photo
from api.db.models.records import AuditEntry, IdempotencyKey
from api.db.models.tenancy import Company, Crew, Project, Site, project_members, site_staff

__all__ = [
    "AuditEntry",
    "Base",
    "Company",
    "Crew",
    "DeliveryStatus",
    "Equipment",
    "EquipmentEvent",
    "EquipmentEventKind",
    "Event",
    "FaceConsent",
    "FaceEnrolment",
    "FaceTemplate",
    "Hazard",
    "IdempotencyKey",
    "Inspection",
    "LoginThrottle",
    "MaintenancePlan",
    "MaterialBatch",
    "MaterialReceipt",
    "PendingObject",
    "Photo",
    "Project",
    "Punch",
    "PunchKind",
    "PunchStatus",
    "Rectification",
    "Role",
    "Site",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WebhookFormat",
    "WorkerDevice",
    "equipment_event_photos",
    "inspection_photos",
    "material_receipt_photos",
    "project_members",
    "site_staff",
]

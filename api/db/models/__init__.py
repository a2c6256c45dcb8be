"""All ORM models in one package, so relationships never need cross-domain imports."""

from api.db.models.base import Base
from api.db.models.faces import FaceConsent, FaceTemplate
from api.db.models.people import LoginThrottle, Role, User
from api.db.models.records import AuditEntry, IdempotencyKey
from api.db.models.tenancy import Company, Crew, Project, Site, project_members, site_staff

__all__ = [
    "AuditEntry",
    "Base",
    "Company",
    "Crew",
    "FaceConsent",
    "FaceTemplate",
    "IdempotencyKey",
    "LoginThrottle",
    "Project",
    "Role",
    "Site",
    "User",
    "project_members",
    "site_staff",
]

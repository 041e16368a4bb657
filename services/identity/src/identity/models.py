"""Every table of identity, imported in one place for Alembic and tests."""

from edudx_common.tables.audit import AuditRecord
from edudx_common.tables.outbox import OutboxMessage
from identity.auth.models import PasswordHistory, PasswordToken, RefreshToken
from identity.grants.models import CommuneGrant
from identity.integrations.models import IntegrationClient
from identity.reorganisations.models import Reorganisation
from identity.units.models import Unit, UnitChange, UnitCluster, UnitClusterMember, UnitCode, UnitRelation
from identity.users.models import User, UserRole

__all__ = ["AuditRecord", "CommuneGrant", "IntegrationClient", "OutboxMessage", "PasswordHistory", "PasswordToken",
           "RefreshToken", "Reorganisation", "Unit", "UnitChange", "UnitCluster", "UnitClusterMember", "UnitCode",
           "UnitRelation", "User", "UserRole"]

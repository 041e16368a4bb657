import evidence.models
from edudx_common.migrations import run_migrations, service_metadata
from evidence.config import Settings

run_migrations(service_metadata(evidence.models), Settings())

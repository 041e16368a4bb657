import identity.models
from edudx_common.migrations import run_migrations, service_metadata
from identity.config import Settings

run_migrations(service_metadata(identity.models), Settings())

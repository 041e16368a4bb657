import notifications.models
from edudx_common.migrations import run_migrations, service_metadata
from notifications.config import Settings

run_migrations(service_metadata(notifications.models), Settings())

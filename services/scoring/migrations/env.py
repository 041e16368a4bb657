import scoring.models
from edudx_common.migrations import run_migrations, service_metadata
from scoring.config import Settings

run_migrations(service_metadata(scoring.models), Settings())

import submissions.models
from edudx_common.migrations import run_migrations, service_metadata
from submissions.config import Settings

run_migrations(service_metadata(submissions.models), Settings())

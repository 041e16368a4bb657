"""The tables every service may own a copy of, each in its service's own schema: the audit trail (`audit`), the
outbox of events to send (`outbox`) and the inbox of events received (`inbox`). Their schema changes are
versioned in one place, `migrations`: a service's Alembic revision applies numbered steps from there."""

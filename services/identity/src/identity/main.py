"""Identity service: `uvicorn --factory identity.main:create_app`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from edudx_common.app import create_service_app, database_and_tokens
from edudx_common.background import in_background
from edudx_common.event_retention import EventRetention
from edudx_common.http import ServiceClient
from edudx_common.jwt import StaticKeys
from edudx_common.metrics import outbox_depth_source
from edudx_common.ratelimit import create_rate_limit_store
from edudx_common.tables.audit import audit_router
from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
from identity.auth.passwords import Passwords
from identity.auth.reset import PasswordResetQueue
from identity.auth.router import router as auth_router
from identity.auth.service import REVOCATION_MARGIN, AuthKit
from identity.auth.service import revoked_sessions as revoked_sessions_of
from identity.auth.throttle import AddressLimit, create_login_throttle
from identity.auth.tokens import SelfIssuedServiceTokens, TokenIssuer
from identity.changes import publish_changes
from identity.clusters.router import router as clusters_router
from identity.config import Settings
from identity.errors import OAuthError
from identity.grants import service as grants_service
from identity.grants.router import router as grants_router
from identity.integrations import service as integrations_service
from identity.integrations.router import oauth_error_handler
from identity.integrations.router import router as integrations_router
from identity.keys import load_signing_key
from identity.mail import MAIL_RECEIVER, Mailer, MailOutbox, mail_deliverer
from identity.reorganisations.router import router as reorganisations_router
from identity.units.router import router as units_router
from identity.users.router import router as users_router

VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        signing_key = load_signing_key(settings.jwt_private_key_file, settings.jwt_previous_public_key_files)
        app.state.auth_kit = AuthKit(
            settings=settings,
            passwords=Passwords(fast=settings.password_hash_fast, min_length=settings.password_min_length,
                                concurrency=settings.password_hash_concurrency),
            issuer=TokenIssuer(signing_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience),
            jwks=signing_key.jwks,
            extra_claims=grants_service.token_claims,
            throttle=create_login_throttle(settings.redis_url, prefix=settings.redis_key_prefix + "identity:login:",
                                           free_failures=settings.lockout_threshold,
                                           base_seconds=settings.lockout_base_seconds,
                                           max_seconds=settings.lockout_max_seconds),
        )
        address_store = create_rate_limit_store(settings.redis_url,
                                                prefix=settings.redis_key_prefix + "identity:address:")
        app.state.address_limiter = AddressLimit(address_store, settings.auth_requests_per_minute_per_address)
        app.state.mailer = Mailer(settings)
        # Identity checks tokens against its own keys: no HTTP call to itself.
        async def revoked_sessions() -> list[uuid.UUID]:
            async with app.state.session_factory() as session:
                kit = app.state.auth_kit
                return [*await revoked_sessions_of(session, kit),
                        *await integrations_service.revoked_client_ids(session, kit, margin=REVOCATION_MARGIN)]

        app.state.revoked_session_ids = revoked_sessions

        # Identity's events go out with a token it signs itself, as it checks tokens against its own keys.
        tokens = SelfIssuedServiceTokens(app.state.auth_kit.issuer,
                                         lifetime=timedelta(minutes=settings.service_token_minutes))
        receivers = {name: ServiceClient(url, name=name, token_provider=tokens, retries=0,
                                         timeout=settings.http_timeout_seconds)
                     for name, url in settings.event_receivers.items()}
        try:
            async with database_and_tokens(app, settings, service="identity", keys=StaticKeys(signing_key.jwks),
                                           revoked_sessions=revoked_sessions):
                if app.state.revocation_channel is not None:
                    # This replica may sign with a key the others have not fetched, or no longer with one they
                    # cache: every replica of every service drops its JWKS and fetches it again.
                    await app.state.revocation_channel.publish_keys_changed()
                publish_changes(app.state.session_factory, receivers)
                dispatcher = OutboxDispatcher(
                    app.state.session_factory, receivers, erase_payload_on_delivery=True,
                    deliverers={MAIL_RECEIVER: mail_deliverer(lambda: app.state.mailer)},
                    # An SMTP conversation may take the whole client timeout: the lease outlasts it.
                    lease_seconds=settings.smtp_timeout_seconds * 2 + 10)
                app.state.mail_outbox = MailOutbox(dispatcher)
                app.state.password_resets = PasswordResetQueue(app.state.session_factory, app.state.auth_kit,
                                                               app.state.mail_outbox)
                # The API document is built once, now, rather than on the gateway's first fetch, which allows
                # only a few seconds (identity's document is the largest).
                app.openapi()
                # Changes are told within a second: a new account gets the next notification of its unit.
                retention = EventRetention.from_settings(app.state.session_factory, settings)
                async with (dispatcher.running(idle_seconds=1.0 if receivers else 2.0),
                            in_background(app.state.password_resets.run(), name="identity-password-resets"),
                            retention.running()):
                    yield
        finally:
            for client in receivers.values():
                await client.aclose()
            await app.state.auth_kit.throttle.close()
            await address_store.close()

    app = create_service_app(
        name="identity",
        title="EduDX Identity",
        description="Cây đơn vị, tài khoản, vai trò, đăng nhập và khoá công khai (JWKS) của EduDX.",
        version=VERSION,
        routers=[audit_router("identity"), auth_router, users_router, units_router, clusters_router,
                 reorganisations_router, integrations_router, grants_router],
        lifespan=lifespan,
        metrics_sources=[outbox_depth_source("identity")],
    )
    app.add_exception_handler(OAuthError, oauth_error_handler)
    return app

"""notifications' own error in both languages."""

from __future__ import annotations

import uuid

from tests.languages import ENGLISH, assert_in_both_languages
from tests.notifications.conftest import Harness


async def test_a_refused_webhook_address_in_both_languages(harness: Harness) -> None:
    _district, admin = await harness.district(1)
    body = {"url": "https://10.1.2.3/hook", "event_types": ["results.published"]}

    vietnamese = await harness.api.post("/api/notifications/webhooks", json=body, headers=admin)
    english = await harness.api.post("/api/notifications/webhooks", json=body, headers={**admin, **ENGLISH})
    missing = f"/api/notifications/webhooks/{uuid.uuid4()}"

    assert_in_both_languages(vietnamese, english, 422, "invalid_webhook_url")
    assert_in_both_languages(await harness.api.get(missing, headers=admin),
                             await harness.api.get(missing, headers={**admin, **ENGLISH}), 404, "webhook_not_found")

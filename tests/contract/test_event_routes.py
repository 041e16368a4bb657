"""Every event a service publishes is accepted by each of its receivers.

A producer's outbox sends each event it publishes to every receiver configured for it (`EVENT_CONSUMERS` of the
embedded run; compose and k8s are checked against it elsewhere). A receiver that refuses a type with 403 leaves the
message retrying for ever, so each receiver's allow-list (`PRODUCERS` of its events route) must name every type its
producers publish — the types it does not read are accepted and left alone. Found when scoring began to publish
`scores.changed` for submissions and notifications answered it 403 on every retry.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from tests.support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import export_events
import run_embedded

# Where each receiving service keeps its allow-list of producers.
EVENT_ROUTES = {"notifications": "notifications.events.router", "scoring": "scoring.events_router",
                "submissions": "submissions.events_router"}


def _allowed(patterns: tuple[str, ...], event_type: str) -> bool:
    return any(event_type == p or (p.endswith(".*") and event_type.startswith(p[:-1])) for p in patterns)


@pytest.mark.parametrize("producer", sorted(run_embedded.EVENT_CONSUMERS))
def test_each_receiver_accepts_every_type_its_producer_publishes(producer: str) -> None:
    types = sorted(model.event_type for model in export_events.published(producer))
    for receiver in run_embedded.EVENT_CONSUMERS[producer]:
        assert receiver in EVENT_ROUTES, f"{receiver} receives events: name its events route here"
        allowed = tuple(importlib.import_module(EVENT_ROUTES[receiver]).PRODUCERS.get(producer, ()))
        refused = [t for t in types if not _allowed(allowed, t)]
        assert refused == [], f"{receiver} would refuse {producer}'s {refused} (403, retried for ever)"

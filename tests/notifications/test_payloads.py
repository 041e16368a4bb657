"""Each kind of notification carries its own typed data: written validated, read back as its model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from notifications.delivery import repository
from notifications.delivery.models import Notification
from notifications.delivery.payloads import (
    PAYLOADS,
    DeadlineChangedData,
    ResultsPublishedData,
    SubmissionReturnedData,
    data_of,
    dump,
    issuer_of,
)
from notifications.kinds import NotificationKind

NOW = datetime(2026, 12, 6, 10, tzinfo=UTC)


def test_every_kind_has_its_model() -> None:
    assert set(PAYLOADS) == set(NotificationKind)


def test_data_is_checked_where_it_is_written_and_typed_where_it_is_read() -> None:
    issuer = uuid.uuid4()
    results = ResultsPublishedData(campaign_id=uuid.uuid4(), campaign_title="Tổng kết", issuer_unit_id=issuer)
    row = repository.notification_row(kind=NotificationKind.RESULTS_PUBLISHED.value, dedupe_key="k", now=NOW,
                                      data=results)
    stored = Notification(kind=row["kind"], dedupe_key="k", data=row["data"])

    assert row["data"]["issuer_unit_id"] == str(issuer)  # JSON in the table
    assert data_of(stored, ResultsPublishedData) == results and issuer_of(stored) == issuer
    with pytest.raises(TypeError):  # the data of another kind
        dump(NotificationKind.SUBMISSION_RETURNED, results)
    with pytest.raises(TypeError):
        data_of(stored, DeadlineChangedData)
    with pytest.raises(ValidationError):  # a time without its offset is not a moment
        SubmissionReturnedData(submission_id=uuid.uuid4(), reasons={}, resubmission_due_at=datetime(2026, 12, 6))

"""Bulk actions with an undo window: scheduled now, run when the window ends unless cancelled before.

Scheduling rather than applying-and-reverting: a reminder e-mail cannot be taken back, and a revert would have
to undo events other services already acted on. So nothing happens during the window; `BulkRunner` (a task of
the lifespan) runs each due action in its own transaction, and each school in its own savepoint, so one
school's refusal never undoes another's step. Every school gets an outcome in Vietnamese.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.background import in_background
from edudx_common.errors import ProblemError
from edudx_common.tables.outbox import EventSink
from edudx_common.timezone import format_vn
from submissions import deadlines
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.events import CampaignEvent
from submissions.campaigns.schemas import Extension
from submissions.clients.evidence import EvidenceClient
from submissions.clients.scoring import ScoringClient
from submissions.errors import BulkActionClosed, BulkActionNotFound, InvalidTargets, NotAllowed
from submissions.review import repository, service
from submissions.review.events import RemindersRequested
from submissions.review.models import BulkAction, BulkKind, BulkState
from submissions.review.schemas import BulkActionRead, BulkCreate, BulkOutcome
from submissions.signatures import service as signatures_service
from submissions.workflow import service as workflow
from submissions.workflow.models import SubmissionStatus
from submissions.workflow.schemas import ReturnReasons, ReturnRequest

UNDO_WINDOW = timedelta(seconds=10)
_NOT_IN_YET = {None, SubmissionStatus.DRAFT.value, SubmissionStatus.RETURNED.value}
logger = logging.getLogger(__name__)


async def schedule(session: AsyncSession, principal: Principal, *, campaign_id: uuid.UUID, data: BulkCreate,
                   now: datetime) -> BulkAction:
    campaign = await service.reviewed_campaign(session, principal, campaign_id)
    if data.kind == BulkKind.EXTEND:
        # a deadline belongs to the issuer's admins (as one school's extension): refused now, not school by school
        # once the undo window has passed
        await campaigns_service.get_managed(session, principal, campaign_id)
    if data.kind == BulkKind.EXTEND and ((data.due_at is None) == (data.days is None)
                                         or not (data.reason or "").strip()):
        raise InvalidTargets("Gia hạn cần lý do và hạn mới (một ngày giờ, hoặc số ngày gia hạn thêm).")
    if data.kind == BulkKind.RETURN and data.reasons is None:
        raise InvalidTargets("Trả lại cần nhận xét chung.")
    # a period is counted from now, when the reviewer asks, and ends at the end of that working day
    due = deadlines.extension_due(now, data.days) if data.kind == BulkKind.EXTEND and data.days else data.due_at
    params: dict[str, Any] = {"reason": data.reason, "message": data.message,
                              "due_at": due.isoformat() if due else None,
                              "reasons": data.reasons.model_dump() if data.reasons else None,
                              "accept_self_scores": data.accept_self_scores}
    action = BulkAction(campaign_id=campaign.id, kind=data.kind.value,
                        unit_ids=[str(u) for u in dict.fromkeys(data.unit_ids)], params=params,
                        actor=dict(principal.claims) or {"sub": principal.subject, "kind": principal.kind},
                        run_after=now + UNDO_WINDOW, created_at=now)
    session.add(action)
    await session.flush()
    return action


async def visible(session: AsyncSession, principal: Principal, action_id: uuid.UUID) -> BulkAction:
    action = await repository.bulk_action(session, action_id)
    if action is None or action.actor.get("sub") != principal.subject:
        raise BulkActionNotFound()
    return action


async def cancel(session: AsyncSession, principal: Principal, action_id: uuid.UUID, *, now: datetime) -> BulkAction:
    action = await visible(session, principal, action_id)
    action = await repository.bulk_action(session, action.id, lock=True) or action
    if action.state != BulkState.SCHEDULED.value:
        raise BulkActionClosed("Thao tác đã chạy hoặc đã được huỷ trước đó.")
    action.state, action.finished_at = BulkState.CANCELLED.value, now
    await session.flush()
    return action


def read(action: BulkAction) -> BulkActionRead:
    return BulkActionRead(id=action.id, campaign_id=action.campaign_id, kind=BulkKind(action.kind),
                          state=BulkState(action.state), unit_count=len(action.unit_ids), run_after=action.run_after,
                          finished_at=action.finished_at,
                          results=[BulkOutcome.model_validate(r) for r in action.results])


@dataclass(frozen=True)
class Tools:
    events: EventSink
    scoring: ScoringClient
    evidence: EvidenceClient


async def run_now(session: AsyncSession, action: BulkAction, *, now: datetime) -> None:
    """End the window now: the runner takes the action up on its next pass (within a second)."""
    locked = await repository.bulk_action(session, action.id, lock=True)
    if locked is None or locked.state != BulkState.SCHEDULED.value:
        raise BulkActionClosed("Thao tác đã chạy hoặc đã được huỷ trước đó.")
    locked.run_after = min(locked.run_after, now)
    await session.flush()


def _outcome(unit_id: uuid.UUID, unit_name: str | None, outcome: str, message: str) -> dict[str, Any]:
    return BulkOutcome.model_validate({"unit_id": unit_id, "unit_name": unit_name, "outcome": outcome,
                                       "message": message}).model_dump(mode="json")


async def run_school(session: AsyncSession, action: BulkAction, unit_id: uuid.UUID, *, tools: Tools,
                     now: datetime) -> None:
    """One school's step and its outcome, in one transaction: a retry after a crash finds the outcome and does
    not act twice. A refusal raises its problem: the caller rolls the step back and records it (`refused`)."""
    principal = Principal.from_claims(action.actor)
    found = await repository.targets_by_unit(session, action.campaign_id, [unit_id])
    if unit_id not in found:
        result = _outcome(unit_id, None, "skipped", "Không phải đơn vị của đợt báo cáo.")
    else:
        target, submission = found[unit_id]
        if principal.commune_grants:
            await _within_grant(session, principal, action, target)
        if action.kind == BulkKind.REMIND:
            if submission is not None and submission.status not in _NOT_IN_YET:
                result = _outcome(unit_id, target.unit_name, "skipped", "Trường đã nộp báo cáo: không cần nhắc.")
            else:
                result = _outcome(unit_id, target.unit_name, "done", "Đã gửi nhắc nộp báo cáo (một lần).")
        else:
            message = await _one(session, principal, action, unit_id, submission, tools=tools, now=now)
            result = _outcome(unit_id, target.unit_name, "skipped" if message.startswith("Bỏ qua") else "done",
                              message)
    action.results = [*action.results, result]
    await session.flush()


async def _within_grant(session: AsyncSession, principal: Principal, action: BulkAction, target: Any) -> None:
    """A commune official acting by a Sở's grant touches its commune's schools only (refused school by school)."""
    campaign = await campaigns_service.get_visible(session, principal, action.campaign_id)
    if service.outside_grant(principal, campaign, target):
        raise NotAllowed(service.OUTSIDE_GRANT)


async def refused(session: AsyncSession, action: BulkAction, unit_id: uuid.UUID, problem: ProblemError) -> None:
    """A school whose step was refused: its outcome says why, in Vietnamese."""
    found = await repository.targets_by_unit(session, action.campaign_id, [unit_id])
    reasons = problem.extra.get("reasons") if problem.extra else None
    text = " ".join(reasons) if isinstance(reasons, list) else (problem.detail or problem.title)
    name = found[unit_id][0].unit_name if unit_id in found else None
    action.results = [*action.results, _outcome(unit_id, name, "failed", str(text))]
    await session.flush()


async def finish(session: AsyncSession, action: BulkAction, *, tools: Tools, now: datetime) -> None:
    """Mark the action done; a reminder is one event naming the schools to remind."""
    reminded = [uuid.UUID(r["unit_id"]) for r in action.results if r["outcome"] == "done"]
    if action.kind == BulkKind.REMIND and reminded:
        principal = Principal.from_claims(action.actor)
        campaign = await campaigns_service.get_visible(session, principal, action.campaign_id)
        await tools.events.emit(session, RemindersRequested.model_validate({
            **CampaignEvent.base(campaign), "request_id": action.id, "unit_ids": reminded,
            "message": action.params.get("message"), "requested_by_name": principal.name}))
    action.state, action.finished_at = BulkState.DONE.value, now
    await session.flush()


async def _one(session: AsyncSession, principal: Principal, action: BulkAction, unit_id: uuid.UUID,
               submission: Any, *, tools: Tools, now: datetime) -> str:
    params = action.params
    if action.kind == BulkKind.EXTEND:
        due = datetime.fromisoformat(params["due_at"])
        await campaigns_service.set_extension(session, principal, tools.events, action.campaign_id, unit_id,
                                              Extension(due_at=due, reason=params["reason"]), now=now)
        return f"Đã gia hạn đến {format_vn(due)}."
    if submission is None or submission.status in _NOT_IN_YET:
        return "Bỏ qua: trường chưa nộp báo cáo."
    clock = lambda: now  # noqa: E731 — the workflow takes a clock
    if action.kind == BulkKind.RETURN:
        ctx = await workflow.return_submission(session, principal, tools.events, clock, submission.id,
                                               ReturnRequest(reasons=ReturnReasons.model_validate(params["reasons"])))
        return f"Đã trả lại, hạn nộp lại {format_vn(ctx.submission.resubmission_due_at or now)}."
    ctx = await service.reviewable(session, principal, submission.id)
    check, sheet = await service.approval_check(ctx, scoring=tools.scoring, evidence=tools.evidence,
                                                accept_self_scores=bool(params.get("accept_self_scores")))
    if not check.ready:
        return "Bỏ qua: " + " ".join(check.reasons)
    await workflow.approve(session, principal, tools.events, clock, submission.id, None,
                           guard=signatures_service.ensure_signed_for_approval)
    if sheet is not None:
        await service.keep_scores(session, ctx.target, sheet, now)
    final = f", điểm cuối cùng {check.final_score:g}" if check.final_score is not None else ""
    return f"Đã phê duyệt{final}."


class BulkRunner:
    """Runs the actions whose undo window ended, every `idle_seconds`, for as long as the lifespan."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        # One pass at a time in this process: the background loop and a pass asked for directly never work on the
        # same action together (each would see the other's schools as pending and act on them twice).
        self._pass = asyncio.Lock()

    def tools(self) -> Tools:
        state = self._app.state
        return Tools(events=state.events, scoring=state.scoring, evidence=state.evidence)

    async def run_due(self) -> int:
        """Run every action whose window ended: each school in its own transaction, then the action's end."""
        async with self._pass:
            return await self._run_due()

    async def _run_due(self) -> int:
        state = self._app.state
        now = state.clock()
        async with state.session_factory() as session:
            ids = await repository.due_bulk_actions(session, now)
        for action_id in ids:
            async with state.session_factory() as session:
                action = await repository.bulk_action(session, action_id)
                if action is None or action.state != BulkState.SCHEDULED.value:
                    continue
                done = {r["unit_id"] for r in action.results}
                pending = [uuid.UUID(u) for u in action.unit_ids if u not in done]
            for unit_id in pending:
                try:
                    async with state.session_factory() as session, session.begin():
                        action = await repository.bulk_action(session, action_id, lock=True)
                        if action is None or action.state != BulkState.SCHEDULED.value:
                            break
                        if any(r["unit_id"] == str(unit_id) for r in action.results):
                            continue  # another process's pass answered this school meanwhile
                        await run_school(session, action, unit_id, tools=self.tools(), now=now)
                except ProblemError as problem:  # rolled back; the school's outcome says why
                    async with state.session_factory() as session, session.begin():
                        action = await repository.bulk_action(session, action_id, lock=True)
                        if action is not None:
                            await refused(session, action, unit_id, problem)
            async with state.session_factory() as session, session.begin():
                action = await repository.bulk_action(session, action_id, lock=True)
                if action is not None and action.state == BulkState.SCHEDULED.value:
                    await finish(session, action, tools=self.tools(), now=now)
        return len(ids)

    async def _forever(self, idle_seconds: float) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # one bad pass must not stop the runner; the action stays scheduled
                logger.exception("bulk action pass failed")
            await asyncio.sleep(idle_seconds)

    def running(self, *, idle_seconds: float = 1.0) -> AbstractAsyncContextManager[asyncio.Task[None]]:
        self._app.state.bulk_runner = self
        return in_background(self._forever(idle_seconds), name="bulk-actions")

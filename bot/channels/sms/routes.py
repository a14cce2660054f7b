"""Twilio's webhooks: inbound SMS and delivery callbacks, signed by Twilio.

Every request must carry a valid ``X-Twilio-Signature`` for the public address
(``HAVEN_PUBLIC_URL`` + path + query): behind a proxy, the address the server
sees differs from the one Twilio signed. Unknown parameters are accepted, as
Twilio adds new ones without notice. The answer goes back only after the
engine has committed, so a crash before that means Twilio's retry is processed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import update
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

from bot.channels.base import Handle, InputError
from bot.channels.sms.adapter import FINAL_STATUSES, NAME, NOT_DELIVERED
from bot.config import Settings
from bot.core.states import ACTIVE, Direction
from bot.http import BodyError, media_type, read_limited
from bot.store.models import AdvocateMessageRow
from bot.store.store import Store
from common.clock import utcnow

if TYPE_CHECKING:
    from bot.channels.sms.channel import SmsChannel

log = logging.getLogger(__name__)

INBOUND_PATH = "/webhooks/twilio"
STATUS_PATH = "/webhooks/twilio/status"
FORM = "application/x-www-form-urlencoded"
TWIML = "application/xml"


def twilio_router(
    settings: Settings, store: Store, handle: Handle, channel: SmsChannel
) -> APIRouter:
    router = APIRouter()
    validator = RequestValidator(settings.twilio_auth_token)

    async def signed_form(request: Request) -> Mapping[str, str]:
        if media_type(request) != FORM:
            raise BodyError(400, f"expected {FORM}")
        body = await read_limited(request, settings.max_webhook_bytes)
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise BodyError(400, "the body is not UTF-8") from None
        url = settings.public_base + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not validator.validate(url, form, signature):
            raise BodyError(403, "invalid signature")
        return form

    @router.post(INBOUND_PATH)
    async def inbound(request: Request) -> Response:
        try:
            form = await signed_form(request)
            message = channel.parse(form)
        except BodyError as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        outcome = await run_in_threadpool(handle, message)
        return Response(channel.render(outcome), media_type=TWIML)

    @router.post(STATUS_PATH)
    async def status(request: Request) -> Response:
        try:
            form = await signed_form(request)
        except BodyError as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        sid, state, to = form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("To")
        if not sid or not state:
            return PlainTextResponse("MessageSid and MessageStatus are required", status_code=400)
        if state in NOT_DELIVERED:
            log.warning("event=sms_not_delivered status=%s", state)
        if state in FINAL_STATUSES:
            await run_in_threadpool(remember_final, store, channel.delete_after, sid, to, state)
        return Response(status_code=204)

    return router


def remember_final(
    store: Store, delete_after: timedelta, sid: str, to: str | None, state: str
) -> None:
    """A message Haven sent is final: its copy at Twilio becomes due for deletion.

    One that did not arrive while a person is on the way or there is noted in the
    conversation, so the advocate's console shows it; an advocate's message records
    whether it arrived (``bot.console.transcript``).
    """
    now = utcnow()
    key = store.keys.session_key(NAME, to) if to else None
    with store.transaction() as tx:
        tx.keep_sent_copy(NAME, key, sid, delete_after, now)
        tx.db.execute(
            update(AdvocateMessageRow)
            .where(AdvocateMessageRow.ref == store.keys.digest("copy", f"{NAME}:{sid}"))
            .values(delivery="failed" if state in NOT_DELIVERED else "delivered")
        )
        person = tx.load(key) if key and state in NOT_DELIVERED else None
        if person is not None and person.handoff in ACTIVE:
            tx.append_message(
                person.key, Direction.SYSTEM, f"An SMS did not reach the person ({state}).", now
            )

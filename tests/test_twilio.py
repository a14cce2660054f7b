"""Twilio SMS through the real ASGI app: signatures, TwiML, redelivery, deletion at Twilio."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.channels.sms.adapter import MAX_MESSAGE_CHARS, split
from bot.channels.sms.copies import TwilioCopies
from bot.core.segments import segments
from bot.runtime import Runtime, Understanding, build_runtime
from common.clock import utcnow
from tests.conftest import make_settings
from tests.fake_twilio import FakeTwilio, fake_twilio
from tests.test_telegram import set_aside

ACCOUNT = "AC" + "0" * 32
TOKEN = "twilio-test-auth-token"
PUBLIC = "https://haven.example.org"
SURVIVOR = "+15005550006"


@dataclass
class Sms:
    """Twilio as Haven sees it: signed posts in, TwiML out, a fake REST API beside."""

    client: TestClient
    runtime: Runtime
    fake: FakeTwilio
    copies: TwilioCopies
    sent: int = 0

    def delete_due(self, now: datetime | None = None) -> int:
        """One round of the deletion loop, as the server's runs it."""
        return asyncio.run(self.copies.delete_due(now))

    def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        sign_as: str | None = None,
        signature: str | None = None,
    ):  # type: ignore[no-untyped-def]
        url = sign_as or PUBLIC + path
        signed = RequestValidator(TOKEN).compute_signature(url, params)
        return self.client.post(
            path,
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signed if signature is None else signature,
            },
        )

    def text(self, body: str, sender: str = SURVIVOR, **extra: str) -> list[str]:
        """Send one SMS; the texts of the TwiML reply, one per message."""
        self.sent += 1
        params = {"MessageSid": f"SM{self.sent:032d}", "From": sender, "To": "+15005550001"}
        params.update(Body=body, **extra)
        response = self.post("/webhooks/twilio", params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return [message.text or "" for message in twiml(response.text)]

    def delivered(self, sid: str, to: str = SURVIVOR, status: str = "delivered") -> int:
        params = {"MessageSid": sid, "MessageStatus": status, "To": to, "From": "+15005550001"}
        return int(self.post("/webhooks/twilio/status", params).status_code)


def twiml(text: str) -> list[ET.Element]:
    root = ET.fromstring(text)  # noqa: S314 (our own TwiML, not untrusted input)
    assert root.tag == "Response"
    return list(root.iter("Message"))


def sms_for(
    tmp_path: Path,
    model_dir: Path,
    encryption_key: str,
    understanding: Understanding,
    delete_after: int = 0,
) -> Iterator[Sms]:
    with fake_twilio(ACCOUNT, TOKEN) as fake:
        settings = make_settings(
            tmp_path,
            model_dir,
            encryption_key,
            public_url=PUBLIC,
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=TOKEN,
            twilio_api_url=fake.url,
            twilio_delete_after=delete_after,
        )
        runtime = build_runtime(settings, understanding)
        with TestClient(create_app(settings, runtime)) as client:
            yield Sms(client, runtime, fake, TwilioCopies(settings, runtime.store))


@pytest.fixture
def sms(
    settings, understanding: Understanding, tmp_path: Path, model_dir: Path, encryption_key: str
) -> Iterator[Sms]:  # type: ignore[no-untyped-def]
    yield from sms_for(tmp_path, model_dir, encryption_key, understanding)


@pytest.fixture
def slow_delete_sms(
    settings, understanding: Understanding, tmp_path: Path, model_dir: Path, encryption_key: str
) -> Iterator[Sms]:  # type: ignore[no-untyped-def]
    """Copies at Twilio are kept an hour after they are final."""
    yield from sms_for(tmp_path, model_dir, encryption_key, understanding, delete_after=3600)


# -- signatures -----------------------------------------------------------------------------------


def test_a_signed_message_gets_a_twiml_reply(sms: Sms) -> None:
    replies = sms.text("hi")
    assert replies[0].startswith("Hi, I'm Haven")
    assert sms.runtime.store.count_sessions() == 1


def test_every_reply_asks_for_delivery_callbacks_at_the_public_address(sms: Sms) -> None:
    sms.sent += 1
    params = {"MessageSid": "SM" + "1" * 32, "From": SURVIVOR, "Body": "hi"}
    messages = twiml(sms.post("/webhooks/twilio", params).text)
    assert messages
    assert {message.get("action") for message in messages} == {PUBLIC + "/webhooks/twilio/status"}


def test_an_unsigned_message_is_refused_and_touches_nothing(sms: Sms) -> None:
    params = {"MessageSid": "SM" + "2" * 32, "From": SURVIVOR, "Body": "hi"}
    response = sms.post("/webhooks/twilio", params, signature="")
    assert response.status_code == 403
    assert sms.runtime.store.count_sessions() == 0


def test_a_forged_signature_is_refused(sms: Sms) -> None:
    params = {"MessageSid": "SM" + "3" * 32, "From": SURVIVOR, "Body": "hi"}
    response = sms.post("/webhooks/twilio", params, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert sms.runtime.store.count_sessions() == 0


def test_the_signature_is_checked_against_the_public_address(sms: Sms) -> None:
    params = {"MessageSid": "SM" + "4" * 32, "From": SURVIVOR, "Body": "hi"}
    behind_the_proxy = "http://testserver/webhooks/twilio"
    assert sms.post("/webhooks/twilio", params, sign_as=behind_the_proxy).status_code == 403


def test_unknown_parameters_from_twilio_are_accepted(sms: Sms) -> None:
    replies = sms.text("hi", NumSegments="1", SomethingNew="2027", ApiVersion="2010-04-01")
    assert replies


# -- the conversation -----------------------------------------------------------------------------


def test_menus_are_numbered_and_a_number_answers(sms: Sms) -> None:
    sms.text("hi")
    menu = "\n".join(sms.text("yes"))
    assert "1. Get help near me" in menu
    assert "\n2. " in menu
    assert "What do you need?" in "\n".join(sms.text("1"))  # the phone says US


def test_a_redelivered_message_gets_the_same_answer_without_processing_it_twice(
    sms: Sms,
) -> None:
    """Twilio posts a message again (to the fallback URL) when the first answer never
    came: the answer is the one the first delivery committed."""
    params = {"MessageSid": "SM" + "5" * 32, "From": SURVIVOR, "Body": "hi"}
    first = sms.post("/webhooks/twilio", params)
    again = sms.post("/webhooks/twilio", params)
    assert twiml(first.text)
    assert again.status_code == 200 and again.text == first.text
    key = sms.runtime.store.keys.session_key("sms", SURVIVOR)
    with sms.runtime.store.transaction() as tx:
        assert [direction for direction, _ in tx.transcript(key)].count("in") == 1


@pytest.mark.parametrize("word", ["STOP", "UNSUBSCRIBE", "stopall", "Cancel", "QUIT", "END"])
def test_twilio_opt_out_words_wipe_the_session_and_send_nothing(sms: Sms, word: str) -> None:
    sms.text("hi")
    assert sms.text(word) == []
    assert sms.runtime.store.count_sessions() == 0


def test_the_country_twilio_reports_gives_the_emergency_number(sms: Sms) -> None:
    replies = sms.text("SOS", sender="+15005550007", FromCountry="GB")
    # Twilio's country is the SIM's, not where the person said they are: 112 beside it.
    assert replies[0].startswith("In danger now? Call 999 or 112.")


@pytest.mark.parametrize("greeting", ["hi", "hola", "你好", "مرحبا"])
def test_every_message_fits_twilios_limit(sms: Sms, greeting: str) -> None:
    for body in (greeting, "yes", "2", "3"):
        for message in sms.text(body, sender=f"+1500555{len(greeting):04d}"):
            assert 0 < len(message) <= MAX_MESSAGE_CHARS


def test_a_reply_is_one_sms_however_many_segments_it_takes() -> None:
    text = " ".join(f"Sentence number {n} is short." for n in range(20))
    assert segments(text) > 1
    assert split(text) == [text]


def test_a_reply_with_its_options_is_one_sms() -> None:
    question = "Q" * 150  # "2. Find help" would not fit in this segment
    assert split(question, ["1. Yes", "2. Find help"]) == [f"{question}\n1. Yes\n2. Find help"]


def test_a_sentence_longer_than_twilio_allows_is_cut_between_words() -> None:
    parts = split("word " * 500)
    assert all(len(part) <= MAX_MESSAGE_CHARS for part in parts)
    assert " ".join(parts).split() == ["word"] * 500


def test_a_reply_longer_than_twilio_allows_is_cut_between_paragraphs() -> None:
    first, second = "A" * 900 + ".", "B" * 900 + "."
    assert split(f"{first}\n\n{second}") == [first, second]


# -- bad input ------------------------------------------------------------------------------------


def test_a_body_that_is_not_a_form_is_refused(sms: Sms) -> None:
    response = sms.client.post(
        "/webhooks/twilio", content=b'{"Body": "hi"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_an_oversized_body_is_refused(sms: Sms) -> None:
    params = {"MessageSid": "SM" + "6" * 32, "From": SURVIVOR, "Body": "x" * 100_000}
    assert sms.post("/webhooks/twilio", params).status_code == 413
    assert sms.runtime.store.count_sessions() == 0


def test_a_signed_post_without_a_sender_is_a_bad_request(sms: Sms) -> None:
    response = sms.post("/webhooks/twilio", {"MessageSid": "SM" + "7" * 32, "Body": "hi"})
    assert response.status_code == 400
    assert "From" in response.text


def test_a_status_callback_without_a_status_is_a_bad_request(sms: Sms) -> None:
    response = sms.post("/webhooks/twilio/status", {"MessageSid": "SM" + "8" * 32})
    assert response.status_code == 400


# -- deleting the copies at Twilio ----------------------------------------------------------------


def test_a_received_message_is_deleted_at_twilio(sms: Sms) -> None:
    sms.text("hi")
    assert sms.delete_due() == 1
    assert sms.fake.deleted == [f"SM{1:032d}"]
    assert sms.fake.refused == 0


def test_a_delivered_reply_is_deleted_at_twilio(sms: Sms) -> None:
    sms.text("hi")
    assert sms.delivered("SM" + "a" * 32) == 204
    assert sms.delivered("SM" + "b" * 32, status="sent") == 204  # not final: kept for now
    sms.delete_due()
    assert set(sms.fake.deleted) == {f"SM{1:032d}", "SM" + "a" * 32}


def test_copies_are_kept_until_the_configured_delay(slow_delete_sms: Sms) -> None:
    sms = slow_delete_sms
    sms.text("hi")
    sms.delivered("SM" + "c" * 32)
    assert sms.delete_due() == 0
    assert sms.delete_due(utcnow() + timedelta(seconds=3601)) == 2


def test_quick_exit_deletes_every_message_of_the_conversation_at_twilio(
    slow_delete_sms: Sms,
) -> None:
    sms = slow_delete_sms
    sms.text("hi")
    sms.delivered("SM" + "d" * 32)
    sms.text("yes")
    sms.delivered("SM" + "e" * 32)
    assert sms.delete_due() == 0
    assert sms.text("EXIT") == []
    assert sms.delete_due() == 5  # three received, two delivered
    assert sms.runtime.store.count_sessions() == 0


def test_delete_reaches_twilio_too(slow_delete_sms: Sms) -> None:
    sms = slow_delete_sms
    sms.text("hi")
    sms.text("yes")
    sms.text("DELETE")
    sms.text("yes")
    assert sms.delete_due() == 4


def test_a_reply_delivered_after_a_quick_exit_is_deleted_at_once(slow_delete_sms: Sms) -> None:
    sms = slow_delete_sms
    sms.text("hi")
    sms.text("EXIT")
    sms.delivered("SM" + "f" * 32)
    sms.delete_due()
    assert "SM" + "f" * 32 in sms.fake.deleted


def test_a_failed_deletion_is_retried_later(sms: Sms) -> None:
    sms.text("hi")
    sms.fake.failures[f"SM{1:032d}"] = [500, 429]
    assert sms.delete_due() == 0
    assert sms.delete_due() == 0  # not due again yet
    assert sms.delete_due(utcnow() + timedelta(seconds=6)) == 0  # the 429
    assert sms.delete_due(utcnow() + timedelta(minutes=1)) == 1
    assert sms.fake.deleted == [f"SM{1:032d}"]


def test_a_copy_twilio_no_longer_has_counts_as_deleted(sms: Sms) -> None:
    sms.text("hi")
    sms.fake.failures[f"SM{1:032d}"] = [404]
    assert sms.delete_due() == 1


def test_a_copy_whose_sid_is_malformed_is_set_aside_without_asking_twilio(sms: Sms) -> None:
    sms.text("hi")
    with sms.runtime.store.transaction() as tx:
        tx.keep_copy("sms", None, "SM/../../Calls", None, utcnow())  # of no conversation: due
    sms.delete_due()
    assert sms.fake.deleted == [f"SM{1:032d}"]  # the others go on
    assert sms.fake.refused == 0  # no request for the malformed one
    assert set_aside(sms.runtime, "SM/../../Calls", channel="sms")


def test_the_server_deletes_due_copies_by_itself(sms: Sms) -> None:
    sms.text("hi")
    deadline = time.monotonic() + 10
    while not sms.fake.deleted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sms.fake.deleted == [f"SM{1:032d}"]


def test_without_twilio_settings_the_webhook_does_not_exist(settings) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        assert client.post("/webhooks/twilio", data={"Body": "hi"}).status_code == 404

"""Rasa over HTTP (``POST /model/parse``), with the embedded engine as the fallback.

Rasa runs in its own Python 3.10 environment (``make rasa``); Haven only talks to
it. When Rasa does not answer in time, or answers something that is not a parse,
the message is understood by the embedded classifier instead, with a warning in
the log and a count in the metrics. A refused token (``reason=refused``) is a
configuration error: ``HAVEN_RASA_TOKEN`` differs from Rasa's ``--auth-token``.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from prometheus_client import Counter

from nlu.result import FALLBACK_INTENT, Interpreter, Parse

log = logging.getLogger(__name__)

RASA_FALLBACKS = Counter(
    "haven_nlu_rasa_fallbacks",
    "Messages understood by the embedded engine because Rasa did not answer well",
    ["reason"],
)


DEFAULT_RASA_URL = "http://127.0.0.1:5005"


class InvalidRasaAnswerError(ValueError):
    """Rasa answered, but not with a parse result."""


class RasaUnavailableError(RuntimeError):
    """Rasa did not answer, and no fallback was wanted (evaluating Rasa itself)."""


class NoFallback:
    """For evaluating Rasa alone: a message Rasa cannot answer is an error."""

    def parse(self, text: str) -> Parse:
        raise RasaUnavailableError("Rasa did not answer; is `make rasa` running?")


class RasaInterpreter:
    """Rasa's ``POST /model/parse``, sending the server's ``--auth-token`` when one is set.

    Rasa reads the token only from the ``token`` query parameter, so every URL this
    class requests holds it: no log line here carries a URL or an httpx error text, and
    bot/logs.py keeps httpx's own request log (which prints URLs) below its level.
    """

    def __init__(self, url: str, timeout: float, fallback: Interpreter, token: str = "") -> None:
        self.base = url.rstrip("/")
        self.timeout = timeout
        self.fallback = fallback
        self._params = {"token": token} if token else {}

    def reachable(self) -> bool:
        """Whether Rasa answers ``GET /status`` (which checks the token) within the timeout."""
        try:
            response = httpx.get(self.base + "/status", params=self._params, timeout=self.timeout)
        except httpx.HTTPError:
            return False
        return response.is_success

    def parse(self, text: str) -> Parse:
        if not text.strip():
            return Parse(FALLBACK_INTENT, 0.0, engine="rasa")
        try:
            response = httpx.post(
                self.base + "/model/parse",
                params=self._params,
                json={"text": text},
                timeout=self.timeout,
            )
            response.raise_for_status()
            return parse_rasa_answer(response.json())
        except httpx.TimeoutException:
            reason = "timeout"
        except httpx.HTTPStatusError as exc:
            refused = exc.response.status_code in (401, 403)
            reason = "refused" if refused else "unreachable"
        except httpx.HTTPError:
            reason = "unreachable"
        except (InvalidRasaAnswerError, ValueError):
            reason = "invalid_answer"
        log.warning("event=rasa_fallback reason=%s", reason)
        RASA_FALLBACKS.labels(reason=reason).inc()
        return self.fallback.parse(text)


def parse_rasa_answer(answer: Any) -> Parse:
    """A ``Parse`` from Rasa's JSON, or ``InvalidRasaAnswerError`` for anything else."""
    try:
        intent = answer["intent"]
        name = intent.get("name") or FALLBACK_INTENT
        confidence = float(intent.get("confidence") or 0.0)
        ranking = tuple(
            (str(item["name"]), round(float(item["confidence"]), 4))
            for item in answer.get("intent_ranking") or ()
        )
        entities = tuple(
            {
                key: item[key]
                for key in ("entity", "value", "start", "end", "extractor")
                if key in item
            }
            for item in answer.get("entities") or ()
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidRasaAnswerError("not a Rasa parse result") from exc
    if not isinstance(name, str) or not 0.0 <= confidence <= 1.0:
        raise InvalidRasaAnswerError("not a Rasa parse result")
    return Parse(name, confidence, ranking, entities, engine="rasa")

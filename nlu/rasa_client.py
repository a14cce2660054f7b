"""Rasa over HTTP (``POST /model/parse``), with the embedded engine as the fallback.

Rasa runs in its own Python 3.10 environment (``make rasa``); Haven only talks to
it. When Rasa does not answer in time, or answers something that is not a parse,
the message is understood by the embedded classifier instead, with a warning in
the log and a count in the metrics.
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
    def __init__(self, url: str, timeout: float, fallback: Interpreter) -> None:
        self.endpoint = url.rstrip("/") + "/model/parse"
        self.timeout = timeout
        self.fallback = fallback

    def reachable(self) -> bool:
        """Whether the Rasa server answers at all (its root says hello), within the timeout."""
        try:
            httpx.get(self.endpoint.removesuffix("/model/parse") + "/", timeout=self.timeout)
        except httpx.HTTPError:
            return False
        return True

    def parse(self, text: str) -> Parse:
        if not text.strip():
            return Parse(FALLBACK_INTENT, 0.0, engine="rasa")
        try:
            response = httpx.post(self.endpoint, json={"text": text}, timeout=self.timeout)
            response.raise_for_status()
            return parse_rasa_answer(response.json())
        except httpx.TimeoutException:
            reason = "timeout"
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

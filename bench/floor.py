"""The floor for ``bench/turns.py``: a bare Starlette endpoint answering Twilio's webhook
with fixed TwiML, served by the same uvicorn as Haven. What no turn can beat."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    "<Message>Welcome. Reply 1 for help.</Message></Response>"
)


async def inbound(request: Request) -> Response:
    await request.body()
    return Response(TWIML, media_type="application/xml")


async def healthz(_request: Request) -> Response:
    return Response("ok")


app = Starlette(
    routes=[
        Route("/webhooks/twilio", inbound, methods=["POST"]),
        Route("/healthz", healthz),
    ]
)

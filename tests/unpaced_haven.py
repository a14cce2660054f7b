"""``haven`` as shipped, but with Telegram's pacing lifted: for the load tests' fake Bot API.

Haven keeps to Telegram's flood limits: about one message a second to each chat, and 30
a second in all from each worker. Against the local fake, which has no limits, that
pacing would be all the load tests measured: a thousand Telegram turns would take
minutes. Run as ``python -m tests.unpaced_haven serve ...``; each worker of ``--workers``
is a spawned process that imports this module again (as ``__mp_main__``), so the limits
are lifted there too. Nothing else differs from ``haven``.
"""

from __future__ import annotations

import sys

from bot import cli
from bot.channels.telegram import channel, client


class NoFloodLimit:
    """python-telegram-bot applies no overall limit when its rate is 0."""

    MESSAGES_PER_SECOND = 0


def lift_pacing() -> None:
    for module, name, value in (
        (channel, "PER_CHAT_INTERVAL", 0.0),
        (client, "FloodLimit", NoFloodLimit),
    ):
        if not hasattr(module, name):  # renamed: this launcher must follow
            raise RuntimeError(f"{module.__name__}.{name} is gone: update tests/unpaced_haven.py")
        setattr(module, name, value)


if __name__ in ("__main__", "__mp_main__"):  # the command, and each worker it spawns
    lift_pacing()

if __name__ == "__main__":
    sys.exit(cli.main())

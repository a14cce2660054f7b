"""Haven's replies to a provider's message, kept until its channel sent them.

The engine commits a turn before its channel answers: a worker that dies in between
(killed, restarted, its host gone) leaves the provider to deliver the message again,
and the receipt rightly recognises it as done. Its replies are kept beside it, in the
same transaction, so that the redelivery is answered rather than dropped. A channel that
sends its replies itself (Telegram) forgets them once sent; the others' (TwiML in the
webhook's answer, which Haven never hears arrived) go after ``ANSWER_KEPT``. Every answer
goes with its conversation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from bot.store.models import AnswerRow
from bot.store.store import Store, Transaction

ANSWER_KEPT = timedelta(days=1)
"""As long as a provider redelivers a message it could not deliver (Telegram: a day)."""


def keep(tx: Transaction, digest: str, key: str, body: str, at: datetime) -> None:
    """Keep ``body`` (the replies, as the engine wrote them) to the message ``digest``."""
    tx.connection.execute(
        insert(AnswerRow),
        {"digest": digest, "session_key": key, "body": tx.keys.encrypt(body), "created_at": at},
    )


def kept(tx: Transaction, digest: str, key: str) -> str | None:
    """The replies kept for the message ``digest`` of the conversation ``key``, if they may
    not have gone out; never another conversation's, whatever a provider's ids."""
    query = select(AnswerRow.body).where(AnswerRow.digest == digest, AnswerRow.session_key == key)
    body = tx.connection.execute(query).scalar()
    return None if body is None else tx.keys.decrypt(body)


def sent(store: Store, digest: str) -> None:
    """The channel sent the replies to the message ``digest``: they need no keeping."""
    with store.transaction() as tx:
        tx.connection.execute(delete(AnswerRow).where(AnswerRow.digest == digest))


def forget_old(store: Store, now: datetime) -> int:
    """Delete answers older than ``ANSWER_KEPT``; returns how many."""
    with store.transaction() as tx:
        result = tx.connection.execute(
            delete(AnswerRow).where(AnswerRow.created_at < now - ANSWER_KEPT)
        )
    return int(result.rowcount or 0)

"""The tables of a conversation. Nothing here holds a phone number, chat id or text in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Identity, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


NEVER_REUSED = {"sqlite_autoincrement": True}
"""Table options for ids read through a cursor (the web page's ``after=``, the console's
``Last-Event-ID``): on SQLite, ``AUTOINCREMENT`` never hands out an id again, even once the
highest row is deleted; on PostgreSQL the column is an identity (``Identity()``)."""


def of_session(table: str, ondelete: str = "CASCADE") -> ForeignKey:
    """The link of a row to its conversation: the database deletes the row with it.

    Named, so that a migration can drop it again on SQLite as on PostgreSQL.
    """
    return ForeignKey("sessions.key", ondelete=ondelete, name=f"fk_{table}_session_key_sessions")


class SessionRow(Base):
    """One conversation, found by the HMAC of channel and sender.

    ``data`` is the encrypted JSON of everything that could describe the person:
    reply address, country, answers given to flows.
    """

    __tablename__ = "sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    misses: Mapped[int] = mapped_column(Integer, default=0)
    handoff: Mapped[str] = mapped_column(String(16), default="none")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_active: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    rate_window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rate_count: Mapped[int] = mapped_column(Integer, default=0)
    rate_notified: Mapped[bool] = mapped_column(default=False)


class MessageRow(Base):
    """One message of the transcript, in or out, encrypted."""

    __tablename__ = "messages"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    session_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.key", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReceiptRow(Base):
    """A provider message id already processed, kept only as a keyed digest.

    Receipts outlive a wiped session on purpose: a redelivered quick exit must not
    open a new conversation. They are purged on the same retention clock.
    """

    __tablename__ = "receipts"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AnswerRow(Base):
    """Haven's replies to one provider message, encrypted, until its channel sent them.

    A worker that dies after committing a turn and before answering leaves the provider
    to deliver the message again; the receipt recognises it, and this row lets the
    redelivery be answered rather than dropped (``digest`` is the receipt's). The
    database deletes it with its conversation.
    """

    __tablename__ = "answers"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), of_session("answers"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ErasureRow(Base):
    """A conversation erased a moment ago, by its key alone: no content, no time but the erasure's.

    A message that was already on its way when the conversation was erased must not open it
    again (``Transaction.raced_erasure``). Purged after ``ERASURE_KEPT``.
    """

    __tablename__ = "erasures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ProviderCopyRow(Base):
    """A message a provider keeps a copy of (an SMS at Twilio), to be deleted there.

    ``ref`` is the provider's id, encrypted; ``digest`` its keyed digest, to find the
    row again from a delivery callback. Rows outlive their conversation on purpose:
    when it is deleted the database unlinks them (``session_key`` becomes empty),
    and an unlinked copy not yet tried is due at once (``bot.store.copies``).
    ``due_at`` is empty while the message is not yet final (still being sent), and
    for copies deleted only when the conversation ends.
    """

    __tablename__ = "provider_copies"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    session_key: Mapped[str | None] = mapped_column(
        String(64), of_session("provider_copies", ondelete="SET NULL"), index=True
    )
    ref: Mapped[bytes] = mapped_column(LargeBinary)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    set_aside_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When its deletion failed for a reason that will not pass (a malformed id): it is no
    longer due, and the purge deletes the row after the retention period."""
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    """The worker deleting it now (``bot.store.copies``): no other worker takes it..."""
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """...until then, when a worker killed mid-round has left it to the others."""


class HandoffRow(Base):
    """A conversation handed to a person: queued, then assigned, then closed.

    ``id`` is random and public (the console's conversation id); it says nothing
    about the sender. ``summary`` is the encrypted JSON an advocate may read:
    language and country always, needs, flags and the last messages only with
    the person's consent.
    """

    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), of_session("handoffs"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    consent: Mapped[bool] = mapped_column(default=False)
    address: Mapped[bytes] = mapped_column(LargeBinary)
    """Where advocates' replies go (phone number, chat id, web session), encrypted."""
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_to: Mapped[int | None] = mapped_column(Integer, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(32))


class AdvocateRow(Base):
    """A person who answers handed-off chats in the console."""

    __tablename__ = "advocates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(64))
    """How colleagues (and, as the deployment chooses, the person) see the advocate named;
    None: the username."""
    available: Mapped[bool] = mapped_column(default=False)
    """The advocate's own choice to take chats; they count only while ``live_at`` is recent."""
    live_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """The last sign of life of the advocate's console: its open stream, or marking
    themselves available (``bot.handoff.availability.STREAM_GRACE``)."""
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Who did what to which conversation and when; never any message text."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    conversation: Mapped[str | None] = mapped_column(String(32))


class ConsoleSessionRow(Base):
    """A signed-in advocate's browser; found by the digest of its cookie, never the cookie."""

    __tablename__ = "console_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    advocate_id: Mapped[int] = mapped_column(Integer, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NoteRow(Base):
    """An advocate's private note on a conversation, encrypted; it goes with the conversation."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_key: Mapped[str] = mapped_column(String(64), of_session("notes"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handover_to: Mapped[str | None] = mapped_column(String(64))
    """The username a transfer handed the chat to, for a handover note; None: a note."""


class AdvocateMessageRow(Base):
    """Who wrote an advocate's message, and whether it reached the person.

    The database deletes it with its message, and so with the conversation. ``delivery``
    is ``sent`` or ``delivered`` as the channel said at sending, then what the provider
    reported (``delivered``, ``failed``); ``ref`` finds the row from that report: the keyed
    digest of the provider's message id, as its copy's (``ProviderCopyRow.digest``).
    ``outbox_id`` is the web chat item that carried it: gone once the page showed it.
    """

    __tablename__ = "advocate_messages"

    message_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("messages.id", ondelete="CASCADE", name="fk_advocate_messages_message_id"),
        primary_key=True,
    )
    author: Mapped[str] = mapped_column(String(64))
    """The advocate's username."""
    delivery: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    outbox_id: Mapped[int | None] = mapped_column(Integer)


class WebOutboxRow(Base):
    """A message for a web chat page that the page has not fetched yet.

    The web chat has no provider to push through: an advocate's words wait here,
    encrypted, until the page asks for them, and are deleted once fetched.
    """

    __tablename__ = "web_outbox"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), of_session("web_outbox"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsoleSettingRow(Base):
    """A setting an admin changed in the console (opening hours); overrides the environment."""

    __tablename__ = "console_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

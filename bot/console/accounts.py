"""Advocates' accounts: argon2id passwords, lock-out, console sessions, the audit log.

A console session is a random cookie value; the database keeps only its keyed
digest, with a CSRF token the page sends back on every change. Repeated wrong
passwords lock the account for a while; every sign-in failure and lock is
audited. The audit log names who did what to which conversation, never text.

Sessions end the advocate's availability (``bot.console.presence``): signing out clears
it; a session that times out clears it unless another of the advocate's sessions is
live; and a new sign-in starts unavailable unless another session is live.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from bot.core.states import Handoff, Role
from bot.store.models import AdvocateRow, AuditRow, ConsoleSessionRow, HandoffRow
from bot.store.store import Store, Transaction
from common.clock import aware, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 12
_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _HASHER.hash("not a password anyone has")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class Advocate:
    id: int
    username: str
    role: str
    display_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def name(self) -> str:
        """How colleagues see them named."""
        return self.display_name or self.username

    @classmethod
    def of(cls, row: AdvocateRow) -> Advocate:
        return cls(row.id, row.username, row.role, row.display_name)


@dataclass(frozen=True)
class ConsoleLogin:
    advocate: Advocate
    cookie: str
    csrf_token: str


@dataclass(frozen=True)
class ConsoleSession:
    advocate: Advocate
    csrf_token: str
    expires_at: datetime
    """When it ends unless the advocate does something."""


def add_advocate(
    store: Store,
    username: str,
    password: str,
    admin: bool = False,
    *,
    display_name: str | None = None,
    hasher: PasswordHasher = _HASHER,
) -> Advocate:
    """A new account; its password hashed at the production cost unless ``hasher`` says else.

    Only tests pass a cheaper ``hasher`` (no setting can lower the cost): checking a
    password reads the cost from its stored hash, so their accounts sign in quickly.
    """
    if not username or len(username) > 64 or not username.isprintable():
        raise AccountError("a username is 1 to 64 printable characters")
    display_name = display_name.strip() if display_name else None
    if display_name and (len(display_name) > 64 or not display_name.isprintable()):
        raise AccountError("a display name is at most 64 printable characters")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    with store.transaction() as tx:
        if tx.db.scalar(select(AdvocateRow.id).where(AdvocateRow.username == username)):
            raise AccountError(f"there is already an account named {username!r}")
        row = AdvocateRow(
            username=username,
            display_name=display_name,
            password_hash=hasher.hash(password),
            role=Role.ADMIN if admin else Role.ADVOCATE,
            available=False,
            failed_logins=0,
            created_at=utcnow(),
        )
        tx.db.add(row)
        tx.db.flush()
        return Advocate.of(row)


def remove_advocate(tx: Transaction, username: str) -> bool:
    """Delete an account and its sessions; the chats it held go back to the queue.

    Returns False when there is no such account.
    """
    row = tx.db.scalar(select(AdvocateRow).where(AdvocateRow.username == username))
    if row is None:
        return False
    tx.db.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.advocate_id == row.id))
    for handoff in tx.db.scalars(select(HandoffRow).where(HandoffRow.assigned_to == row.id)):
        handoff.assigned_to, handoff.assigned_at = None, None
        if handoff.state == Handoff.ASSIGNED:
            handoff.state = Handoff.QUEUED
            person = tx.load(handoff.session_key)
            if person is not None:
                person.handoff = Handoff.QUEUED
                tx.save(person)
    tx.db.delete(row)
    return True


def audit(tx: Transaction, actor: str, action: str, conversation: str | None = None) -> None:
    tx.db.add(AuditRow(at=utcnow(), actor=actor, action=action, conversation=conversation))


def log_in(
    store: Store, username: str, password: str, idle: timedelta, now: datetime | None = None
) -> ConsoleLogin | None:
    """A new console session, or None for a wrong name, wrong password or locked account.

    The advocate starts unavailable unless another of their sessions is live (``idle``):
    a tick left from a session that ended unnoticed promises no one.
    """
    now = now or utcnow()
    with store.transaction() as tx:
        row = tx.db.scalar(select(AdvocateRow).where(AdvocateRow.username == username))
        if row is None:
            _verify(_DUMMY_HASH, password)  # the same time as a real check: names stay secret
            audit(tx, username[:64], "login_failed")
            return None
        locked = row.locked_until is not None and aware(row.locked_until) > now
        if locked or not _verify(row.password_hash, password):
            if not locked:
                row.failed_logins += 1
                if row.failed_logins >= MAX_FAILED_LOGINS:
                    row.locked_until, row.failed_logins = now + LOCKOUT, 0
                    audit(tx, row.username, "locked")
            audit(tx, row.username, "login_failed")
            return None
        row.failed_logins, row.locked_until = 0, None
        if not _other_sessions(tx, row.id, idle, now):
            row.available = False
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        tx.db.add(
            ConsoleSessionRow(
                digest=store.keys.digest("console", cookie),
                advocate_id=row.id,
                csrf_token=csrf,
                created_at=now,
                last_seen=now,
            )
        )
        audit(tx, row.username, "login")
        return ConsoleLogin(Advocate.of(row), cookie, csrf)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def session_of(
    store: Store, cookie: str, idle: timedelta, now: datetime | None = None, touch: bool = True
) -> ConsoleSession | None:
    """The advocate, CSRF token and end of a live console session; idle ones end here.

    ``touch`` counts this as activity; a live stream checks without touching, so
    an open page left alone still times out. A session that ends so makes the
    advocate unavailable unless another of their sessions is live.
    """
    now = now or utcnow()
    digest = store.keys.digest("console", cookie)
    with store.transaction() as tx:
        session = tx.db.get(ConsoleSessionRow, digest)
        if session is None:
            return None
        row = tx.db.get(AdvocateRow, session.advocate_id)
        if row is None:
            tx.db.delete(session)
            return None
        if now - aware(session.last_seen) > idle:
            tx.db.delete(session)
            tx.db.flush()
            audit(tx, row.username, "timed_out")
            if row.available and not _other_sessions(tx, row.id, idle, now):
                row.available = False
                audit(tx, row.username, "unavailable")
            return None
        if touch:
            session.last_seen = now
        return ConsoleSession(Advocate.of(row), session.csrf_token, aware(session.last_seen) + idle)


def log_out(store: Store, cookie: str) -> None:
    """End the session; the advocate is unavailable from now, whatever other sessions say:
    signing out means leaving."""
    with store.transaction() as tx:
        session = tx.db.get(ConsoleSessionRow, store.keys.digest("console", cookie))
        if session is None:
            return
        tx.db.delete(session)
        row = tx.db.get(AdvocateRow, session.advocate_id)
        if row is None:
            return
        audit(tx, row.username, "logout")
        if row.available:
            row.available = False
            audit(tx, row.username, "unavailable")


def _other_sessions(tx: Transaction, advocate_id: int, idle: timedelta, now: datetime) -> bool:
    """Whether the advocate has a session live at ``now`` (the one ending is deleted first)."""
    query = select(ConsoleSessionRow.digest).where(
        ConsoleSessionRow.advocate_id == advocate_id, ConsoleSessionRow.last_seen >= now - idle
    )
    return tx.db.execute(query.limit(1)).first() is not None

"""Advocates' accounts: argon2id passwords, lock-out, console sessions, the audit log.

A console session is a random cookie value; the database keeps only its keyed
digest, with a CSRF token the page sends back on every change. Repeated wrong
passwords lock the account for a while; every sign-in failure and lock is
audited. The audit log names who did what to which conversation, never text.
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

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


@dataclass(frozen=True)
class ConsoleLogin:
    advocate: Advocate
    cookie: str
    csrf_token: str


def add_advocate(
    store: Store,
    username: str,
    password: str,
    admin: bool = False,
    *,
    hasher: PasswordHasher = _HASHER,
) -> Advocate:
    """A new account; its password hashed at the production cost unless ``hasher`` says else.

    Only tests pass a cheaper ``hasher`` (no setting can lower the cost): checking a
    password reads the cost from its stored hash, so their accounts sign in quickly.
    """
    if not username or len(username) > 64 or not username.isprintable():
        raise AccountError("a username is 1 to 64 printable characters")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    with store.transaction() as tx:
        if tx.db.scalar(select(AdvocateRow.id).where(AdvocateRow.username == username)):
            raise AccountError(f"there is already an account named {username!r}")
        row = AdvocateRow(
            username=username,
            password_hash=hasher.hash(password),
            role=Role.ADMIN if admin else Role.ADVOCATE,
            available=False,
            failed_logins=0,
            created_at=utcnow(),
        )
        tx.db.add(row)
        tx.db.flush()
        return Advocate(row.id, row.username, row.role)


def advocates(store: Store, now: datetime | None = None) -> list[dict[str, object]]:
    """Every account, for choosing whom to transfer to and for admins."""
    now = now or utcnow()
    with store.transaction() as tx:
        rows = tx.db.scalars(select(AdvocateRow).order_by(AdvocateRow.username)).all()
        return [
            {
                "username": row.username,
                "role": row.role,
                "available": row.available,
                "locked": row.locked_until is not None and aware(row.locked_until) > now,
            }
            for row in rows
        ]


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
    store: Store, username: str, password: str, now: datetime | None = None
) -> ConsoleLogin | None:
    """A new console session, or None for a wrong name, wrong password or locked account."""
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
        return ConsoleLogin(Advocate(row.id, row.username, row.role), cookie, csrf)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def session_of(
    store: Store, cookie: str, idle: timedelta, now: datetime | None = None, touch: bool = True
) -> tuple[Advocate, str] | None:
    """The advocate and CSRF token of a live console session; idle ones end here.

    ``touch`` counts this as activity; a live stream checks without touching, so
    an open page left alone still times out.
    """
    now = now or utcnow()
    digest = store.keys.digest("console", cookie)
    with store.transaction() as tx:
        session = tx.db.get(ConsoleSessionRow, digest)
        if session is None:
            return None
        if now - aware(session.last_seen) > idle:
            tx.db.delete(session)
            return None
        row = tx.db.get(AdvocateRow, session.advocate_id)
        if row is None:
            tx.db.delete(session)
            return None
        if touch:
            session.last_seen = now
        return Advocate(row.id, row.username, row.role), session.csrf_token


def log_out(store: Store, cookie: str) -> None:
    with store.transaction() as tx:
        digest = store.keys.digest("console", cookie)
        tx.db.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.digest == digest))

"""Store layer: erasure in an append-only log by crypto-shredding (DOMAIN.md § 6, Art. 17 GDPR).

The event log never changes a stored event. To erase a participant anyway, their
personal fields are stored encrypted under a key of their own, kept outside the log
in a :class:`KeyStore`; erasing the key makes those fields unreadable for ever, in
the log and in every copy and backup of it, while the clear fields — types, dates,
programme, phase, actor, exit reasons, outcomes — keep every count and indicator
computable.

Which fields are sealed is the one classification of :mod:`langzeit.events`: the
free text (:data:`~langzeit.events.FREE_TEXT_FIELDS`) and the text-valued special
categories (:data:`~langzeit.events.SPECIAL_CATEGORY_FIELDS`: the need of a referral).
The cipher is AES-256-GCM (authenticated: a changed byte is detected, not decrypted
to garbage) from the ``cryptography`` package (extra ``protect``); the event id and
field name are the associated data, so a sealed value cannot be moved to another
event or field.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from langzeit.events import FREE_TEXT_FIELDS, SPECIAL_CATEGORY_FIELDS, Event, StoredEvent
from langzeit.exceptions import ParticipantErased, Problem, ValidationError
from langzeit.store._common import create_private

if TYPE_CHECKING:
    from langzeit.events import SharedEventStore

__all__ = [
    "SEALED_FIELDS",
    "SEAL_PREFIX",
    "KeyStore",
    "ProtectedEventStore",
    "SqliteKeyStore",
    "seal_events",
    "unseal_events",
]

#: The fields sealed per event type: free text and the text-valued special categories.
#: Scale items are numbers (no text to seal) and stay clear for the scale indicators.
SEALED_FIELDS: Mapping[str, frozenset[str]] = {
    **FREE_TEXT_FIELDS,
    **{kind: names - {"items"} for kind, names in SPECIAL_CATEGORY_FIELDS.items() if names - {"items"}},
}
#: How a sealed value starts (followed by base64url of nonce ‖ ciphertext ‖ tag).
SEAL_PREFIX = "lz-sealed:1:"
_NONCE = 12


@runtime_checkable
class KeyStore(Protocol):
    """Where the per-participant keys live: outside the event log, erasable.

    Examples:
        >>> isinstance(SqliteKeyStore(":memory:"), KeyStore)
        True
    """

    def key(self, participant_id: str) -> bytes | None:
        """The participant's key; None when there is none (never made, or erased)."""
        ...

    def create(self, participant_id: str) -> bytes:
        """The participant's key, made on first use; :class:`ParticipantErased` after erasure."""
        ...

    def erase(self, participant_id: str) -> bool:
        """Destroy the participant's key for ever; False when there was none."""
        ...

    def is_erased(self, participant_id: str) -> bool:
        """Whether the participant's key was erased."""
        ...


class SqliteKeyStore:
    """A key store in its own SQLite file (never the log's), with erasure that overwrites.

    One row per participant: a random 256-bit key, or after erasure a tombstone
    (``key`` NULL, the erasure date) so that no new key is ever made for them.
    ``PRAGMA secure_delete`` overwrites the freed bytes in the file. What no library
    can reach: copies of the key file in backups, and blocks an SSD remaps — keep
    the key file out of the log's backups, or back it up on media you can destroy.

    Several processes may share one key file: making a key and erasing one are each one
    write transaction (a second writer waits up to ``timeout``), so two processes that
    make the same participant's key at once get the same key. The file keeps SQLite's
    rollback journal, not WAL, whose frames would hold an erased key until a checkpoint.
    A new file is created readable by its owner only (0600).

    Args:
        path: the key file (``":memory:"`` for tests).
        timeout: seconds to wait for another process's write lock.

    Examples:
        >>> keys = SqliteKeyStore(":memory:")
        >>> len(keys.create("p1")), keys.create("p1") == keys.key("p1")
        (32, True)
        >>> keys.erase("p1"), keys.key("p1"), keys.is_erased("p1")
        (True, None, True)
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self._path = str(path)
        self._lock = threading.Lock()
        if self._path != ":memory:":
            create_private(Path(self._path))
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None,
                                   timeout=timeout)
        self._db.execute("PRAGMA secure_delete = ON")
        # the rollback journal, not WAL: a WAL file would keep copies of an erased key's page
        # until a checkpoint; the busy timeout makes a second process wait for the write lock
        self._db.execute("CREATE TABLE IF NOT EXISTS participant_keys (participant_id TEXT PRIMARY KEY, "
                         "key BLOB, erased TEXT)")

    def key(self, participant_id: str) -> bytes | None:
        """The participant's key, or None (never made, or erased)."""
        with self._lock:
            row = self._db.execute("SELECT key FROM participant_keys WHERE participant_id = ?",
                                   (participant_id,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def create(self, participant_id: str) -> bytes:
        """The participant's key, made (32 random bytes) on first use.

        Raises:
            ParticipantErased: the participant's key was erased.
        """
        with self._lock, self._immediate():
            # one write transaction: of two processes making the same participant's key at once,
            # the second waits and reads the first one's key (never a second key, never an error)
            self._db.execute("INSERT INTO participant_keys (participant_id, key) VALUES (?, ?) "
                             "ON CONFLICT (participant_id) DO NOTHING", (participant_id, os.urandom(32)))
            row = self._db.execute("SELECT key FROM participant_keys WHERE participant_id = ?",
                                   (participant_id,)).fetchone()
        if row[0] is None:
            raise ParticipantErased(participant_id)
        return bytes(row[0])

    def erase(self, participant_id: str, *, on: date | None = None) -> bool:
        """Destroy the key (overwritten in the file); a tombstone keeps new keys from being made.

        Args:
            participant_id: whose key.
            on: the erasure date to record (default: none recorded).

        Returns:
            Whether a key was destroyed (False: none existed, a tombstone is written anyway).
        """
        with self._lock, self._immediate():
            row = self._db.execute("SELECT key FROM participant_keys WHERE participant_id = ?",
                                   (participant_id,)).fetchone()
            self._db.execute(
                "INSERT INTO participant_keys (participant_id, key, erased) VALUES (?, NULL, ?) "
                "ON CONFLICT (participant_id) DO UPDATE SET key = NULL, erased = excluded.erased",
                (participant_id, "" if on is None else on.isoformat()))
        return row is not None and row[0] is not None

    def is_erased(self, participant_id: str) -> bool:
        """Whether the participant's key was erased."""
        with self._lock:
            row = self._db.execute("SELECT key FROM participant_keys WHERE participant_id = ?",
                                   (participant_id,)).fetchone()
        return row is not None and row[0] is None

    def close(self) -> None:
        """Close the key file."""
        self._db.close()

    @contextlib.contextmanager
    def _immediate(self) -> Iterator[None]:
        """A write transaction that holds the file's write lock from its start."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def __repr__(self) -> str:
        return f"<SqliteKeyStore {Path(self._path).name}>"


def _aesgcm(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:  # pragma: no cover - the extra is in dev
        raise ImportError("crypto-shredding needs the extra 'protect': "
                          "pip install 'langzeit[protect]'") from None
    return AESGCM(key)


def _aad(event: Event, name: str) -> bytes:
    return f"{event.event_id}\x1f{name}".encode()


def seal_events(events: Iterable[Event], keys: KeyStore) -> list[Event]:
    """The events with their personal fields (:data:`SEALED_FIELDS`) encrypted under each participant's key.

    Empty fields stay empty; a field that is already sealed is left as it is. Keys
    are made on first use. Sealing is deterministic (the nonce is an HMAC of event id,
    field and text under the participant's key), so sealing an event again gives
    the same event: the stores' idempotent appends and the engine's retries work
    unchanged, and no nonce is ever used for two different texts.

    Args:
        events: the events.
        keys: the key store.

    Returns:
        The sealed events, in the same order.

    Raises:
        ParticipantErased: an event of an erased participant.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Declined
        >>> keys = SqliteKeyStore(":memory:")
        >>> [e] = seal_events([Declined("e1", "p1", date(2024, 1, 8), reason="Frau M. ist krank")], keys)
        >>> e.reason.startswith(SEAL_PREFIX), e.date
        (True, datetime.date(2024, 1, 8))
    """
    out = []
    ciphers: dict[str, tuple[bytes, Any]] = {}
    for event in events:
        names = SEALED_FIELDS.get(event.type, ())
        changes: dict[str, Any] = {}
        for name in names:
            value: str = getattr(event, name)
            if not value or value.startswith(SEAL_PREFIX):
                continue
            pid = event.participant_id
            if pid not in ciphers:
                key = keys.create(pid)  # a separate key for the nonces (key separation)
                ciphers[pid] = (hmac.new(key, b"langzeit seal nonce", hashlib.sha256).digest(), _aesgcm(key))
            nonce_key, cipher = ciphers[pid]
            plain, aad = value.encode("utf-8"), _aad(event, name)
            # a synthetic nonce: the same event sealed twice is the same event (idempotent appends
            # and retries); different texts get different nonces, so no nonce is ever reused
            nonce = hmac.new(nonce_key, aad + b"\x00" + plain, hashlib.sha256).digest()[:_NONCE]
            sealed = cipher.encrypt(nonce, plain, aad)
            changes[name] = SEAL_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        out.append(attrs.evolve(event, **changes) if changes else event)
    return out


def unseal_events(events: Iterable[Event], keys: KeyStore) -> Iterator[Event]:
    """The events with their sealed fields decrypted; an erased participant's fields come back empty.

    Args:
        events: events as stored (sealed or not).
        keys: the key store.

    Yields:
        The events, in the same order.

    Raises:
        ValidationError: a sealed value that was changed or does not belong to its
            event and field (the authentication failed).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Declined
        >>> keys = SqliteKeyStore(":memory:")
        >>> sealed = seal_events([Declined("e1", "p1", date(2024, 1, 8), reason="Frau M. ist krank")], keys)
        >>> [e.reason for e in unseal_events(sealed, keys)]
        ['Frau M. ist krank']
        >>> _ = keys.erase("p1")
        >>> [e.reason for e in unseal_events(sealed, keys)]
        ['']
    """
    ciphers: dict[str, Any] = {}
    for event in events:
        changes: dict[str, Any] = {}
        for name in SEALED_FIELDS.get(event.type, ()):
            value: str = getattr(event, name)
            if not value.startswith(SEAL_PREFIX):
                continue
            pid = event.participant_id
            if pid not in ciphers:
                key = keys.key(pid)
                ciphers[pid] = None if key is None else _aesgcm(key)
            cipher = ciphers[pid]
            if cipher is None:
                changes[name] = ""
                continue
            try:
                raw = base64.urlsafe_b64decode(value[len(SEAL_PREFIX):].encode("ascii"))
                changes[name] = cipher.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(event, name)).decode("utf-8")
            except Exception:
                raise ValidationError("sealed field not readable", [Problem(
                    f"event {event.event_id!r}.{name}",
                    "the sealed value was changed or belongs to another event or field")]) from None
        yield attrs.evolve(event, **changes) if changes else event


_Held = contextlib.AbstractContextManager[list[StoredEvent]]


@attrs.define(eq=False)
class ProtectedEventStore:
    """An event store whose participants can be erased: seals on append, unseals on read.

    Wraps any store (``EventLog``, :class:`SqliteEventStore`, :class:`PostgresEventStore`)
    and is one itself, so the engine writes to it unchanged. What the inner store
    holds is sealed: reports and indicators may read it directly (every field they
    count is clear); people with the key store read it through this wrapper.
    :meth:`erase` destroys a participant's key: their sealed fields are gone for
    ever, their events stay and are counted.

    Args:
        inner: the store that holds the (sealed) events.
        keys: the key store, kept apart from the log.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import EventLog, Declined, Referred
        >>> inner = EventLog()
        >>> store = ProtectedEventStore(inner, SqliteKeyStore(":memory:"))
        >>> store.extend([Referred("e1", "p1", date(2024, 1, 8)),
        ...               Declined("e2", "p1", date(2024, 1, 9), reason="zieht nach Kiel")])
        2
        >>> store.events()[1].reason, inner.events()[1].reason.startswith(SEAL_PREFIX)
        ('zieht nach Kiel', True)
        >>> store.erase("p1")
        True
        >>> store.events()[1].reason, len(store.events())
        ('', 2)
    """

    inner: SharedEventStore
    keys: KeyStore

    def extend(self, events: Iterable[Event], *, expected_versions: Mapping[str, int] | None = None,
               expected_programme_versions: Mapping[str, int] | None = None) -> int:
        """Seal and append a batch atomically (the inner store's semantics).

        Raises:
            ParticipantErased: an event of an erased participant; nothing was written.
        """
        sealed = seal_events(events, self.keys)
        if expected_programme_versions is None:
            return self.inner.extend(sealed, expected_versions=expected_versions)
        return self.inner.extend(sealed, expected_versions=expected_versions,
                                 expected_programme_versions=expected_programme_versions)

    def append(self, event: Event) -> int:
        """Seal and append one event."""
        return self.extend([event])

    def events(self, *, participant_id: str | None = None, until: date | None = None) -> list[Event]:
        """The events, unsealed (an erased participant's sealed fields empty)."""
        return list(unseal_events(self.inner.events(participant_id=participant_id, until=until), self.keys))

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events())

    def __len__(self) -> int:
        return len(self.inner.events())

    def version(self, participant_id: str) -> int:
        """The participant's stream version."""
        return self.inner.version(participant_id)

    def programme_version(self, programme_id: str) -> int:
        """The programme's version."""
        return self.inner.programme_version(programme_id)

    @property
    def position(self) -> int:
        """The global position of the latest stored event."""
        return self.inner.position

    def events_since(self, position: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The feed after a position, unsealed."""
        return self._unsealed(self.inner.events_since(position, limit))

    def _unsealed(self, stored: list[StoredEvent]) -> list[StoredEvent]:
        clear = unseal_events((s.event for s in stored), self.keys)
        return [attrs.evolve(s, event=e) for s, e in zip(stored, clear, strict=True)]

    @property
    def _exclusive(self) -> Callable[[str, int, int], _Held] | None:
        """The inner store's programme transactions (PostgreSQL), the feed page unsealed; else None.

        The engine looks this up to let writers of one busy programme take turns
        (:meth:`PostgresEventStore._exclusive`); the appends inside go through
        :meth:`extend`, sealed, on the transaction's connection.
        """
        hold = getattr(self.inner, "_exclusive", None)
        if hold is None:
            return None

        @contextlib.contextmanager
        def held(programme_id: str, position: int, limit: int) -> Iterator[list[StoredEvent]]:
            with hold(programme_id, position, limit) as page:
                yield self._unsealed(page)

        return held

    def close(self) -> None:
        """Close the inner store (the key store stays open: it may serve other stores)."""
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def erase(self, participant_id: str) -> bool:
        """Erase a participant: destroy their key (Art. 17 GDPR); their events stay, counted, unreadable.

        Returns:
            Whether a key was destroyed.
        """
        return self.keys.erase(participant_id)

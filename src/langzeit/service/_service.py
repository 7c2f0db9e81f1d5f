"""Service layer: the running service's state — one store, one engine per programme, tokens, access log.

:class:`Service` is what each worker process opens once (the ASGI app's lifespan):
the event store, a :class:`~langzeit.engine.PathwayEngine` for each configured
programme on it, the access log and the token table. Several workers (processes) on one
store stay correct because the stores check participant and programme versions in
the append's transaction (``SharedEventStore``); each engine catches up with the
others' appends from the store's feed (:meth:`~langzeit.engine.PathwayEngine.refresh`)
before every request, and a command that loses a race is retried after the engine has
reloaded (:meth:`Service.execute`). The commands of one programme that arrive together
are executed as one group (:meth:`~langzeit.engine.PathwayEngine.execute_all`): on SQLite
in one write transaction with one commit, so that they share one flush of the log
instead of queueing for one each under the engine's lock; each is answered after that
commit.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence

import attrs

from langzeit.engine import Command, PathwayEngine
from langzeit.events import Event, SharedEventStore
from langzeit.exceptions import ConcurrencyConflict, Problem, ValidationError
from langzeit.programmes import load_programme
from langzeit.service._access_log import AccessLog, AccessRecord, PostgresAccessLog, SqliteAccessLog
from langzeit.service._config import ServiceConfig, TokenEntry, hash_token
from langzeit.service._group import GroupCommit
from langzeit.service._problems import ServiceProblem
from langzeit.spells import SpellTable, read_spells
from langzeit.store import PostgresEventStore, ProtectedEventStore, SqliteEventStore, SqliteKeyStore

__all__ = ["Service"]

#: How often a command that lost a race with another writer is tried again.
COMMAND_ATTEMPTS = 20


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.define(eq=False)
class Service:
    """The open store, engines, access log and tokens of one worker of ``langzeit serve``.

    Args:
        config: the configuration.
        backend: the open SQLite or PostgreSQL event store.
        store: what the engines write to and reads go through: ``backend``, or a
            :class:`~langzeit.store.ProtectedEventStore` over it when ``[protect] keys`` is set.
        engines: programme id → its engine on ``store``.
        access_log: the open access log.
        clock: the wall clock of the access log (UTC).

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from langzeit.service import ServiceConfig
        >>> folder = Path(tempfile.mkdtemp())
        >>> config = ServiceConfig.from_dict({"store": {"sqlite": "e.sqlite"},
        ...                                   "programmes": [{"id": "pan"}]}, base=folder)
        >>> service = Service.open(config)
        >>> sorted(service.engines), service.ready()
        (['pan'], True)
        >>> service.close()
    """

    config: ServiceConfig
    backend: SqliteEventStore | PostgresEventStore
    store: SharedEventStore
    engines: dict[str, PathwayEngine]
    access_log: AccessLog
    clock: Callable[[], dt.datetime] = _utc_now
    _tokens: dict[str, TokenEntry] = attrs.field(init=False)
    _spells: SpellTable | None = attrs.field(init=False, default=None)
    _spells_lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)
    _groups: dict[str, GroupCommit[Command, tuple[Event, ...]]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._tokens = {t.digest: t for t in self.config.tokens}
        self._groups = {pid: GroupCommit(engine.execute_all, name=f"langzeit-commands-{pid}")
                        for pid, engine in self.engines.items()}

    @classmethod
    def open(cls, config: ServiceConfig, *, clock: Callable[[], dt.datetime] | None = None) -> Service:
        """Open the store and the access log of ``config`` and build one engine per programme.

        Raises:
            ValidationError: a programme model is invalid, or two have one id.
            UnknownNameError: no shipped programme has a configured name.
            DataFormatError: the store is not a langzeit event store.
        """
        programmes = [load_programme(p) for p in config.programmes]
        ids = [p.id for p in programmes]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValidationError("service configuration: invalid", [
                Problem("programmes", f"programme id {', '.join(dup)} configured more than once")])
        s = config.store
        store: SqliteEventStore | PostgresEventStore
        access: AccessLog
        if s.postgres is not None:
            store = PostgresEventStore(s.postgres, schema=s.schema)
            try:
                access = PostgresAccessLog(s.postgres, schema=s.access_log_schema)
            except BaseException:
                store.close()
                raise
        else:
            assert s.sqlite is not None
            assert s.access_log_path is not None
            store = SqliteEventStore(s.sqlite)
            access = SqliteAccessLog(s.access_log_path)
        keys: SqliteKeyStore | None = None
        try:
            shared: SharedEventStore = store
            if config.keys is not None:
                keys = SqliteKeyStore(config.keys)
                shared = ProtectedEventStore(store, keys)
            engines = {p.id: PathwayEngine(p, store=shared, coaches=config.staff_of(i).coaches,
                                           tandems=config.staff_of(i).tandems,
                                           organisations=config.organisations)
                       for i, p in enumerate(programmes)}
        except BaseException:
            store.close()
            access.close()
            if keys is not None:
                keys.close()
            raise
        return cls(config, store, shared, engines, access, clock or _utc_now)

    def close(self) -> None:
        """Do the commands and access records queued so far; close the store, key store and access log."""
        for group in self._groups.values():
            group.close()
        self.access_log.close()
        self.backend.close()
        if isinstance(self.store, ProtectedEventStore):
            close = getattr(self.store.keys, "close", None)
            if close is not None:
                close()

    def erase(self, participant_id: str) -> bool:
        """Erase a participant by destroying their key (crypto-shredding); their events stay, counted.

        Returns:
            Whether a key was destroyed.

        Raises:
            ServiceProblem: ``not-available`` when no key store is configured.
        """
        if not isinstance(self.store, ProtectedEventStore):
            raise ServiceProblem("not-available", "erasure needs a key store ([protect] keys = FILE); "
                                                  "this service stores events in clear")
        return self.store.erase(participant_id)

    # -- who --------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> TokenEntry:
        """The token entry of an ``Authorization: Bearer …`` header.

        Raises:
            ServiceProblem: ``unauthenticated`` (no bearer token, or an unknown one).
        """
        scheme, _, token = (authorization or "").strip().partition(" ")
        challenge = 'Bearer realm="langzeit"'
        if scheme.lower() != "bearer" or not token.strip():
            raise ServiceProblem("unauthenticated", "send the header Authorization: Bearer <token>",
                                 headers={"WWW-Authenticate": challenge})
        try:
            entry = self._tokens.get(hash_token(token.strip()))
        except ValidationError:
            entry = None
        if entry is None:
            raise ServiceProblem("unauthenticated", "the bearer token is not configured for this service",
                                 headers={"WWW-Authenticate": f'{challenge}, error="invalid_token"'})
        return entry

    def engine(self, who: TokenEntry, programme_id: str, *, refresh: bool = True) -> PathwayEngine:
        """The engine of ``programme_id`` if ``who`` may use it, caught up with the store.

        Args:
            who: the caller's token.
            programme_id: the programme.
            refresh: catch the engine up with the store (``False``: only check that ``who``
                may use it — for reads from the store, which then need not wait for the
                engine's lock, held by a command until its commit).

        Raises:
            ServiceProblem: ``forbidden`` (a caseworker of other programmes) or ``not-found``.
        """
        if not who.may_use(programme_id):
            raise ServiceProblem("forbidden", f"token {who.name!r} may not act on programme {programme_id!r}")
        engine = self.engines.get(programme_id)
        if engine is None:
            raise ServiceProblem("not-found", f"no programme {programme_id!r} is served here; "
                                              f"served: {', '.join(sorted(self.engines))}")
        if refresh:
            engine.refresh()
        return engine

    @property
    def reads_never_wait(self) -> bool:
        """Whether reading the store never waits for a lock or the network (then: read in the event loop).

        True for a SQLite store without a key store: in WAL mode its readers never wait for
        its writers, and a participant's few rows take less than a hop to a worker thread.
        Not for PostgreSQL (the network), nor with ``[protect] keys`` (the key file's
        rollback journal makes readers wait for its writers).
        """
        return isinstance(self.store, SqliteEventStore)

    # -- doing ------------------------------------------------------------------------------

    async def execute(self, engine: PathwayEngine, command: Command) -> tuple[Event, ...]:
        """Execute ``command`` with the others arriving meanwhile (one group, one commit).

        The programme's committer thread runs the group (:class:`._group.GroupCommit`);
        the awaiting request holds no worker thread meanwhile. The engine catches up with
        the store first (inside the group's transaction on SQLite); a lost race with
        another writer is retried on the reloaded engine.

        Raises:
            TransitionRefused: the engine refused the command (nothing written).
            ConcurrencyConflict: still losing after :data:`COMMAND_ATTEMPTS` attempts.
            GroupClosed: the service is closing (answered ``not-ready``).
        """
        group = self._groups[engine.programme.id]
        for attempt in range(COMMAND_ATTEMPTS):
            try:
                return await group.submit_async(command)
            except ConcurrencyConflict:
                if attempt == COMMAND_ATTEMPTS - 1:
                    raise
                # the engine has reloaded the participants and caught up with the feed: retry
        raise AssertionError("unreachable")  # pragma: no cover

    def log_access(self, who: TokenEntry, action: str, purpose: str, *, programme_id: str | None,
                   participants: Sequence[str | None]) -> None:
        """Write one access-log record per participant disclosed (one with None when none was).

        Raises:
            Exception: whatever the log's backend raises; the caller then sends no data.
        """
        self.access_log.append(self._access_records(who, action, purpose, programme_id, participants))

    async def log_access_async(self, who: TokenEntry, action: str, purpose: str, *, programme_id: str | None,
                               participants: Sequence[str | None]) -> None:
        """:meth:`log_access`, awaited in the event loop (no worker thread waits for the commit).

        Raises:
            Exception: whatever the log's backend raises; the caller then sends no data.
        """
        await self.access_log.append_async(self._access_records(who, action, purpose, programme_id,
                                                                participants))

    def _access_records(self, who: TokenEntry, action: str, purpose: str, programme_id: str | None,
                        participants: Sequence[str | None]) -> list[AccessRecord]:
        at = self.clock().astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        ids = list(dict.fromkeys(participants)) or [None]
        return [AccessRecord(at, who.name, who.role.value, action, programme_id, pid, purpose) for pid in ids]

    def spells(self) -> SpellTable:
        """The configured spell table (read on first use).

        Raises:
            ServiceProblem: ``not-available`` when no spell file is configured.
        """
        if self.config.spells is None:
            raise ServiceProblem("not-available", "no spell file is configured ([kennzahlen] spells = FILE)")
        with self._spells_lock:
            if self._spells is None:
                self._spells = read_spells(self.config.spells)
            return self._spells

    def ready(self) -> bool:
        """Whether the store and the access log answer (the readiness check)."""
        try:
            _ = self.backend.position
            self.access_log.records(limit=1)
        except Exception:
            return False
        return True


"""Service layer: the configuration of ``langzeit serve`` — store, programmes, tokens, confidentiality.

The service reads one TOML file (:meth:`ServiceConfig.from_toml`); every problem of
it is reported at once, with its location. Tokens are kept **hashed**: the file holds
``sha256:<hex>`` digests made by :func:`hash_token` (``langzeit serve --new-token``
prints a new token and its digest). A token is 32 random bytes (256 bits), so a
fast hash is as safe as a slow one here: nobody can guess a preimage by trying, and
checking a request costs one SHA-256 instead of tens of milliseconds of scrypt.
Short, hand-made tokens are refused for that reason.

Example file::

    [store]
    sqlite = "events.sqlite"        # or: postgres = "host=db dbname=jc user=langzeit"
                                    #     schema = "langzeit"
    [access_log]
    sqlite = "access.sqlite"        # default: beside the store; on PostgreSQL the schema
                                    # "<store schema>_access" of the same database
    [confidentiality]
    min_n = 3                       # least cases of a published cell (at least 1)
    round_to = 5                    # optional rounding of published counts

    [kennzahlen]
    spells = "spells.parquet"       # optional: § 48a Kennzahlen from this spell file

    [protect]
    keys = "keys.sqlite"            # optional: seal personal fields per participant, erasable
                                    # (crypto-shredding, langzeit.store.ProtectedEventStore)

    [[organisations]]               # optional: names in refusals; kind "jobcenter" needs no
    id = "traeger"                  # consent when a case is assigned to its coaches
    name = "Träger Nord gGmbH"
    kind = "provider"

    [[programmes]]
    id = "geh-vor"                  # a shipped model, or: file = "models/mine.toml"
    [[programmes.coaches]]          # optional: the coaches and tandems cases go to
    id = "ifk-1"
    role = "pap"                    # pap | fallmanager | provider_coach | job_coach | …
    organisation = "jc-halle"
    caseload = 60                   # cases at full time (default 12); fte = 1.0 by default
    [[programmes.coaches]]
    id = "coach-1"
    role = "provider_coach"
    organisation = "traeger"
    [[programmes.tandems]]
    id = "tandem-1"
    coaches = ["ifk-1", "coach-1"]

    [[tokens]]
    name = "fm-halle-1"             # who, as written to the access log
    role = "caseworker"             # caseworker | analyst | administrator
    programmes = ["geh-vor"]        # a caseworker's programmes
    sha256 = "9f86d0…"              # hash_token(token), never the token itself
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from langzeit._toml import TableReader, read_toml
from langzeit.domain import Coach, Organisation, Tandem
from langzeit.exceptions import Problem, ValidationError

__all__ = ["ProgrammeStaff", "Role", "ServiceConfig", "StoreConfig", "TokenEntry", "hash_token", "new_token"]

#: Shortest token :func:`hash_token` accepts (``new_token`` makes 43 characters).
MIN_TOKEN_LENGTH = 32
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class Role(enum.StrEnum):
    """The roles a token may have (docs/guides/service.md, "Roles").

    * ``caseworker``: commands, participant state, deadlines, occupancy, waiting list and
      the feed — of the programmes named on the token only;
    * ``analyst``: the programme report and the Kennzahlen, aggregated and suppressed;
    * ``administrator``: everything, every programme, and the access log.

    Examples:
        >>> Role("analyst") is Role.ANALYST
        True
    """

    CASEWORKER = "caseworker"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"


def new_token() -> str:
    """A new random bearer token (32 bytes from :mod:`secrets`, URL-safe text of 43 characters).

    Examples:
        >>> token = new_token()
        >>> len(token), token == new_token()
        (43, False)
    """
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The digest of a bearer token as the configuration keeps it: ``sha256:<64 hex digits>``.

    Args:
        token: the token (at least 32 characters; :func:`new_token` makes one).

    Returns:
        The digest text.

    Raises:
        ValidationError: the token is shorter than 32 characters or not printable ASCII.

    Examples:
        >>> hash_token("a" * 32)
        'sha256:3ba3f5f43b92602683c19aee62a20342b084dd5971ddd33808d81a328879a547'
        >>> hash_token("secret")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: invalid token (1 problem)
          - token: at least 32 characters (use langzeit serve --new-token), got 6
    """
    if not isinstance(token, str) or not token.isascii() or not token.isprintable() or " " in token:
        raise ValidationError("invalid token", [Problem("token", "printable ASCII without spaces")])
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValidationError("invalid token", [Problem(
            "token", f"at least {MIN_TOKEN_LENGTH} characters (use langzeit serve --new-token), "
                     f"got {len(token)}")])
    return "sha256:" + hashlib.sha256(token.encode("ascii")).hexdigest()


@attrs.frozen
class TokenEntry:
    """One configured bearer token: who holds it, its role, its programmes and its digest.

    Args:
        name: who holds it, as the access log records it (letters, digits, ``._@-``).
        role: the :class:`Role`.
        digest: :func:`hash_token` of the token (``sha256:<hex>``).
        programmes: the programmes a caseworker may act on (ignored for the other roles).

    Examples:
        >>> entry = TokenEntry("fm-1", Role.CASEWORKER, hash_token("t" * 40), frozenset({"pan"}))
        >>> entry.matches("t" * 40), entry.matches("u" * 40), entry.may_use("pan")
        (True, False, True)
    """

    name: str
    role: Role = attrs.field(converter=Role)
    digest: str
    programmes: frozenset[str] = frozenset()

    def matches(self, token: str) -> bool:
        """Whether ``token`` is this entry's token (a constant-time comparison of digests)."""
        try:
            digest = hash_token(token)
        except ValidationError:
            return False
        return hmac.compare_digest(digest, self.digest)

    def may_use(self, programme_id: str) -> bool:
        """Whether the holder may act on ``programme_id`` (administrators and analysts: every one)."""
        return self.role is not Role.CASEWORKER or programme_id in self.programmes


@attrs.frozen
class StoreConfig:
    """Where the events and the access log are kept: SQLite files or a PostgreSQL database.

    Args:
        sqlite: the SQLite event store file (None on PostgreSQL).
        postgres: a libpq connection string (None on SQLite).
        schema: the PostgreSQL schema of the event store.
        access_log: the SQLite file of the access log (SQLite only).
        access_schema: the PostgreSQL schema of the access log.

    Examples:
        >>> StoreConfig(sqlite=Path("events.sqlite")).access_log_path
        PosixPath('events.access.sqlite')
    """

    sqlite: Path | None = None
    postgres: str | None = None
    schema: str = "langzeit"
    access_log: Path | None = None
    access_schema: str | None = None

    @property
    def access_log_path(self) -> Path | None:
        """The access log's SQLite file: as configured, else beside the event store."""
        if self.access_log is not None or self.sqlite is None:
            return self.access_log
        return self.sqlite.with_name(self.sqlite.stem + ".access.sqlite")

    @property
    def access_log_schema(self) -> str:
        """The access log's PostgreSQL schema: as configured, else ``<schema>_access``."""
        return self.access_schema or f"{self.schema}_access"


@attrs.frozen
class ProgrammeStaff:
    """The coaches and tandems a programme's cases may be assigned to (``[[programmes.coaches]]``).

    Args:
        coaches: the programme's coaches.
        tandems: its tandems, of those coaches.

    Examples:
        >>> ProgrammeStaff().coaches
        ()
    """

    coaches: tuple[Coach, ...] = ()
    tandems: tuple[Tandem, ...] = ()


@attrs.frozen
class ServiceConfig:
    """Everything ``langzeit serve`` needs: store, programmes, tokens, confidentiality, spells.

    Args:
        store: where events and the access log are kept.
        programmes: each a shipped programme's name or a programme TOML file.
        tokens: the configured tokens.
        min_n: least number of cases of a published cell in reports and Kennzahlen (≥ 1).
        round_to: round published counts to multiples of this (None: no rounding).
        spells: a spell file for the Kennzahlen endpoint (None: not offered).
        keys: the key file of :class:`~langzeit.store.SqliteKeyStore` (None: events are stored
            clear and erasure is not offered).
        staff: each programme's coaches and tandems, in the order of ``programmes`` (missing:
            none; assignments are then refused as unknown coaches).
        organisations: the organisations, for names in the engine's refusals; those of kind
            ``jobcenter`` need no consent when a case goes to their coaches.

    Examples:
        >>> config = ServiceConfig.from_dict({
        ...     "store": {"sqlite": "events.sqlite"}, "programmes": [{"id": "geh-vor"}],
        ...     "tokens": [{"name": "a", "role": "analyst", "sha256": "0" * 64}]}, base=Path("/srv"))
        >>> config.store.sqlite, config.programmes, config.tokens[0].role, config.min_n
        (PosixPath('/srv/events.sqlite'), ('geh-vor',), <Role.ANALYST: 'analyst'>, 3)
        >>> ServiceConfig.from_dict({"store": {}, "tokens": [{"name": "a", "role": "boss"}]})
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: service configuration: invalid (3 problems)
        ...
    """

    store: StoreConfig
    programmes: tuple[str, ...]
    tokens: tuple[TokenEntry, ...]
    min_n: int = 3
    round_to: int | None = None
    spells: Path | None = None
    keys: Path | None = None
    staff: tuple[ProgrammeStaff, ...] = ()
    organisations: tuple[Organisation, ...] = ()

    def staff_of(self, index: int) -> ProgrammeStaff:
        """The staff of the ``index``-th configured programme (none configured: empty).

        Examples:
            >>> ServiceConfig(StoreConfig(sqlite=Path("e.sqlite")), ("pan",), ()).staff_of(0).tandems
            ()
        """
        return self.staff[index] if index < len(self.staff) else ProgrammeStaff()

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> ServiceConfig:
        r"""Read the configuration file; relative paths in it are relative to the file.

        Raises:
            ValidationError: the file is missing, not TOML, or invalid (every problem listed).

        Examples:
            >>> import tempfile
            >>> folder = Path(tempfile.mkdtemp())
            >>> _ = (folder / "serve.toml").write_text('[store]\nsqlite = "e.sqlite"\n'
            ...     '[[programmes]]\nid = "pan"\n')
            >>> ServiceConfig.from_toml(folder / "serve.toml").store.sqlite == folder / "e.sqlite"
            True
        """
        p = Path(path)
        return cls.from_dict(read_toml(p), base=p.parent, name=p.name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: Path = Path(), name: str = "service configuration",
                  ) -> ServiceConfig:
        """The configuration from a table (a parsed TOML file); see :meth:`from_toml`.

        Raises:
            ValidationError: every problem of the table at once.
        """
        r = TableReader(data, name, allowed={"store", "access_log", "confidentiality", "kennzahlen",
                                             "programmes", "tokens", "protect", "organisations"},
                        required=("store",))
        store = _store(r, base)
        conf = r.table("confidentiality", allowed={"min_n", "round_to"})
        min_n = conf.integer("min_n", minimum=1) if conf else None
        round_to = conf.integer("round_to", minimum=1) if conf else None
        kz = r.table("kennzahlen", allowed={"spells"})
        spells = kz.text("spells", required=True) if kz else None
        pr = r.table("protect", allowed={"keys"})
        keys = pr.text("keys", required=True) if pr else None
        organisations: list[Organisation] = []
        for t in r.tables("organisations", allowed={"id", "name", "kind"}, required=("id", "name")):
            oid, oname, kind = t.text("id"), t.text("name"), t.text("kind")
            org = (t.build_checked(Organisation, id=oid, name=oname, **({"kind": kind} if kind else {}))
                   if oid is not None and oname is not None else None)  # no kind: Organisation's default
            if org is not None:
                organisations.append(org)
        programmes: list[str] = []
        staff: list[ProgrammeStaff] = []
        for t in r.tables("programmes", allowed={"id", "file", "coaches", "tandems"}):
            pid, file = t.text("id"), t.text("file")
            if (pid is None) == (file is None):
                t.problem(None, "give exactly one of id (a shipped programme) or file (a TOML model)")
            else:
                programmes.append(pid if pid is not None else str(base / str(file)))
                staff.append(_staff(t))
        tokens = [tok for t in r.tables("tokens", allowed={"name", "role", "programmes", "sha256"},
                                        required=("name", "role", "sha256")) if (tok := _token(t))]
        names = [t.name for t in tokens]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            r.problem("tokens", f"token name {dup!r} is used more than once")
        digests = [t.digest for t in tokens]
        if len(set(digests)) != len(digests):
            r.problem("tokens", "two tokens have the same digest")
        if r.problems:
            raise ValidationError(f"{name}: invalid", r.problems)
        assert store is not None  # no problems: the store table was read
        return cls(store, tuple(programmes), tuple(tokens), min_n=min_n or 3, round_to=round_to,
                   spells=base / spells if spells else None, keys=base / keys if keys else None,
                   staff=tuple(staff), organisations=tuple(organisations))


def _staff(t: TableReader) -> ProgrammeStaff:
    """A programme table's ``coaches`` and ``tandems`` (each problem noted on ``t``)."""
    coaches: dict[str, Coach] = {}
    for c in t.tables("coaches", allowed={"id", "role", "organisation", "fte", "caseload"},
                      required=("id", "role", "organisation")):
        given = {"fte": c.number("fte"), "caseload_limit": c.integer("caseload", minimum=1)}
        coach = c.build_checked(Coach, id=c.text("id"), role=c.text("role"),  # absent: Coach's defaults
                                organisation_id=c.text("organisation"),
                                **{k: v for k, v in given.items() if v is not None})
        if coach is not None:
            if coach.id in coaches:
                c.problem("id", f"coach {coach.id!r} is configured twice")
            coaches[coach.id] = coach
    tandems: list[Tandem] = []
    for td in t.tables("tandems", allowed={"id", "coaches"}, required=("id", "coaches")):
        ids = td.array("coaches") or []
        unknown = [str(i) for i in ids if i not in coaches]
        if unknown:
            td.problem("coaches", f"not among the programme's coaches: {', '.join(unknown)}")
            continue
        tandem = td.build_checked(Tandem, id=td.text("id"), members=[coaches[i] for i in ids])
        if tandem is not None:
            tandems.append(tandem)
    return ProgrammeStaff(tuple(coaches.values()), tuple(tandems))


def _store(r: TableReader, base: Path) -> StoreConfig | None:
    s = r.table("store", allowed={"sqlite", "postgres", "schema"}, must=True)
    a = r.table("access_log", allowed={"sqlite", "schema"})
    if s is None:
        return None
    sqlite, postgres, schema = s.text("sqlite"), s.text("postgres"), s.text("schema")
    if (sqlite is None) == (postgres is None):
        s.problem(None, "give exactly one of sqlite (a file) or postgres (a connection string)")
        return None
    log_file = a.text("sqlite") if a else None
    log_schema = a.text("schema") if a else None
    if sqlite is not None and log_schema is not None and a is not None:
        a.problem("schema", "only for a PostgreSQL store (use sqlite = FILE)")
    if postgres is not None and log_file is not None and a is not None:
        a.problem("sqlite", "the access log of a PostgreSQL store is kept in the same database "
                            "(use schema = NAME)")
    return StoreConfig(sqlite=base / sqlite if sqlite else None, postgres=postgres,
                       schema=schema or "langzeit", access_log=base / log_file if log_file else None,
                       access_schema=log_schema)


def _token(t: TableReader) -> TokenEntry | None:
    name, role, digest = t.text("name", required=True), t.text("role", required=True), t.text("sha256")
    programmes = t.array("programmes") or []
    ok = True
    if name is not None and not _NAME.match(name):
        t.problem("name", f"letters, digits and ._@- (at most 64), got {name!r}")
        ok = False
    if role is not None and role not in {r.value for r in Role}:
        t.problem("role", f"one of {', '.join(r.value for r in Role)}, got {role!r}")
        ok = False
    if digest is not None and not _DIGEST.match(digest):
        t.problem("sha256", "64 lower-case hex digits (from langzeit serve --new-token), never the token")
        ok = False
    if any(not isinstance(p, str) or not p for p in programmes):
        t.problem("programmes", "programme ids (non-empty text)")
        ok = False
    if role == Role.CASEWORKER and not programmes:
        t.problem("programmes", "a caseworker's token names the programmes it may act on")
        ok = False
    if not ok or name is None or role is None or digest is None:
        return None
    return TokenEntry(name, Role(role), "sha256:" + digest, frozenset(programmes))

"""Figures kept between requests until the data they count changes (the data revision).

The dashboard, the period reports and the lists' counts are GROUP BY or COUNT queries over
every assignment: right, but at 100,000 petitions each reads the whole table. They only
change when a row they count changes, so they are computed once per *data revision* and
reused:

* database triggers on the counted tables (petition, assignment and its coordinators,
  dialogue_session, field, agency, holiday_override) set `data_revision.token` to a fresh
  random number in every transaction that changes one of them, bulk inserts and other
  hosts' writes included;
* a page reads the token (one query) and reuses the figures computed for that token and
  the same arguments (today, the period, the filter), or computes them and keeps them.

Two hosts each keep their own copy, checked against the one token in the database.
A token never comes back after a rollback (random, not a counter), and figures are kept
only if the token was the same before and after computing them, so figures read half
before and half after another transaction's commit are never kept.

On PostgreSQL the trigger is a deferred constraint trigger: it writes the token row once,
at commit, so concurrent writers hold its lock only while they commit (no deadlock with
the rows they changed earlier). On SQLite (one writer at a time) a plain trigger does.

Beside it, `session_revision` keeps a token per dialogue session, changed in every
transaction that changes one of the session's petitions or their assignments (or, for every
session, the working calendar: a holiday override). The reports keep each session's part
of the figures against it (portal.reports.summary), so after an agency answers one item
only that session is counted again, not every assignment. On PostgreSQL the session
trigger first takes the data revision's row, as the first trigger of every writer does, so
writers always lock in the same order (the token row, then sessions): never a deadlock.

`REPORT_CACHE = False` in the config computes every time (the default under TESTING:
they never commit, so PostgreSQL's deferred trigger would not fire).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import DDL, BigInteger, event, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

T = TypeVar("T")


class DataRevision(db.Model):
    """One row whose token changes whenever a counted row changes (COUNTED_TABLES):
    database triggers write it (below), so figures computed for one token stay right until
    the next change. A pure cache key: not audited."""

    __tablename__ = "data_revision"
    __audit_skip__ = True

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger, default=0)


class SessionRevision(db.Model):
    """Per dialogue session, a token that changes with its petitions and their assignments
    (session_trigger_ddl), and one that changes with the session's own row and its
    petitions only: while that one stays, a change of the session's assignments is told,
    agency by agency, by SessionAgencyRevision. No foreign key: a token may outlive its
    session, and is then never read. A pure cache key: not audited."""

    __tablename__ = "session_revision"
    __audit_skip__ = True

    session_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger, default=0)
    petitions_token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SessionAgencyRevision(db.Model):
    """Per session and agency, a token that changes with the agency's assignments of the
    session's petitions (a row appears at the first change). A pure cache key: not
    audited."""

    __tablename__ = "session_agency_revision"
    __audit_skip__ = True

    session_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agency_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger, default=0)


COUNTED_TABLES = ("petition", "assignment", "assignment_coordinator", "dialogue_session",
                  "field", "agency", "holiday_override")
MAX_ENTRIES = 64  # per kind and process: a few periods and filters, each a few kilobytes

# The token row written once per transaction (a transaction-local setting remembers it).
_BUMP_ONCE = """\
    IF current_setting('portal.data_revision_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        PERFORM set_config('portal.data_revision_bumped', txid_current()::text, true);
        UPDATE data_revision SET token = floor(random() * 9007199254740991)::bigint
        WHERE id = 1;
    END IF;
"""

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION bump_data_revision() RETURNS trigger AS $$
BEGIN
{_BUMP_ONCE}    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the token row's triggers on `dialect`."""
    if dialect == "postgresql":
        statements = [_PG_FUNCTION]
        for table in COUNTED_TABLES:
            statements.append(
                f"CREATE CONSTRAINT TRIGGER trg_data_revision_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION bump_data_revision()")
        return statements
    statements = []
    for table in COUNTED_TABLES:
        for verb in ("INSERT", "UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER trg_data_revision_{table}_{verb.lower()} AFTER {verb} "
                f"ON {table} BEGIN UPDATE data_revision SET token = random() WHERE id = 1; "
                f"END")
    return statements


def drop_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS trg_data_revision_{table} ON {table}"
                for table in COUNTED_TABLES] + ["DROP FUNCTION IF EXISTS bump_data_revision()"]
    return [f"DROP TRIGGER IF EXISTS trg_data_revision_{table}_{verb}"
            for table in COUNTED_TABLES for verb in ("insert", "update", "delete")]


def _pg_row_function(name: str, bump: str) -> str:
    """A trigger function that changes the tokens of the old and the new row; `bump` is the
    SQL call that changes one row's, {row} standing for OLD or NEW."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM {bump.format(row="OLD")};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM {bump.format(row="NEW")};
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


# An assignment's session: the copy on it, or its petition's (a row written before the copy).
_ASSIGNMENT_SESSION = ("COALESCE({row}.session_id, "
                       "(SELECT session_id FROM petition WHERE id = {row}.petition_id))")


_PG_SESSION_FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION bump_data_revision_once() RETURNS void AS $$
BEGIN
{_BUMP_ONCE}END
$$ LANGUAGE plpgsql
""", """
CREATE OR REPLACE FUNCTION first_in_transaction(setting text, mark text)
RETURNS boolean AS $$
DECLARE
    tx text := txid_current()::text;
    marks text := current_setting(setting, true);
BEGIN
    IF marks IS NULL OR split_part(marks, ':', 1) <> tx THEN
        marks := tx || ':,';
    END IF;
    IF strpos(marks, ',' || mark || ',') > 0 THEN
        RETURN false;
    END IF;
    PERFORM set_config(setting, marks || mark || ',', true);
    RETURN true;
END
$$ LANGUAGE plpgsql
""", """
CREATE OR REPLACE FUNCTION bump_session_revision(sid integer, petitions boolean)
RETURNS void AS $$
DECLARE
    fresh bigint := floor(random() * 9007199254740991)::bigint;
BEGIN
    PERFORM bump_data_revision_once();
    IF sid IS NULL THEN
        RETURN;
    END IF;
    IF NOT first_in_transaction('portal.sessions_bumped',
                                CASE WHEN petitions THEN 'p' ELSE 'a' END || sid) THEN
        RETURN;
    END IF;
    IF petitions THEN
        INSERT INTO session_revision (session_id, token, petitions_token)
        VALUES (sid, fresh, fresh)
        ON CONFLICT (session_id) DO UPDATE
        SET token = EXCLUDED.token, petitions_token = EXCLUDED.petitions_token;
    ELSE
        INSERT INTO session_revision (session_id, token, petitions_token)
        VALUES (sid, fresh, 0)
        ON CONFLICT (session_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
END
$$ LANGUAGE plpgsql
""", """
CREATE OR REPLACE FUNCTION bump_session_agency_revision(sid integer, agency integer)
RETURNS void AS $$
BEGIN
    PERFORM bump_session_revision(sid, false);
    IF sid IS NULL OR agency IS NULL THEN
        RETURN;
    END IF;
    IF NOT first_in_transaction('portal.pairs_bumped', sid || '/' || agency) THEN
        RETURN;
    END IF;
    INSERT INTO session_agency_revision (session_id, agency_id, token)
    VALUES (sid, agency, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (session_id, agency_id) DO UPDATE SET token = EXCLUDED.token;
END
$$ LANGUAGE plpgsql
""", *(_pg_row_function(name, bump) for name, bump in (
    ("bump_own_session", "bump_session_revision({row}.id, true)"),
    ("bump_petition_session", "bump_session_revision({row}.session_id, true)"),
    ("bump_assignment_session",
     f"bump_session_agency_revision({_ASSIGNMENT_SESSION}, {{row}}.agency_id)"),
)), """
CREATE OR REPLACE FUNCTION bump_every_session() RETURNS trigger AS $$
BEGIN
    PERFORM bump_data_revision_once();
    IF current_setting('portal.every_session_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        PERFORM set_config('portal.every_session_bumped', txid_current()::text, true);
        UPDATE session_revision SET token = floor(random() * 9007199254740991)::bigint,
            petitions_token = floor(random() * 9007199254740991)::bigint;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""]

# table -> the PostgreSQL trigger function that changes its sessions' tokens. A session's
# own row counts too: a new or deleted session gets a fresh token, so a part kept for a
# deleted session never passes for a new one given its id again (SQLite reuses ids).
SESSION_TRIGGERS = {"dialogue_session": "bump_own_session",
                    "petition": "bump_petition_session",
                    "assignment": "bump_assignment_session",
                    "holiday_override": "bump_every_session"}


def _sqlite_session_statements(table: str, row: str) -> str:
    """SQLite: the statements that change the tokens of the sessions of `row` (OLD, NEW)."""
    own = ("INSERT INTO session_revision (session_id, token, petitions_token) "
           "VALUES ({}, random(), random()) ON CONFLICT (session_id) DO UPDATE "
           "SET token = excluded.token, petitions_token = excluded.petitions_token;")
    if table == "dialogue_session":
        return own.format(f"{row}.id")
    if table == "petition":
        return own.format(f"{row}.session_id")
    if table == "assignment":
        pair = (f"SELECT {_ASSIGNMENT_SESSION.format(row=row)} AS sid, {row}.agency_id AS aid")
        return (f"INSERT INTO session_revision (session_id, token, petitions_token) "
                f"SELECT sid, random(), 0 FROM ({pair}) WHERE sid IS NOT NULL "
                f"ON CONFLICT (session_id) DO UPDATE SET token = excluded.token; "
                f"INSERT INTO session_agency_revision (session_id, agency_id, token) "
                f"SELECT sid, aid, random() FROM ({pair}) WHERE sid IS NOT NULL "
                f"ON CONFLICT (session_id, agency_id) DO UPDATE SET token = excluded.token;")
    return "UPDATE session_revision SET token = random(), petitions_token = random();"


# The copy of each petition's session on its assignment (Assignment.session_id).
_PG_COPY = ["""
CREATE OR REPLACE FUNCTION assignment_session_of_petition() RETURNS trigger AS $$
BEGIN
    NEW.session_id := (SELECT session_id FROM petition WHERE id = NEW.petition_id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql
""", """
CREATE OR REPLACE FUNCTION petition_moves_its_assignment() RETURNS trigger AS $$
BEGIN
    UPDATE assignment SET session_id = NEW.session_id WHERE petition_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""", "CREATE TRIGGER trg_assignment_session BEFORE INSERT OR UPDATE OF petition_id, session_id "
     "ON assignment FOR EACH ROW EXECUTE FUNCTION assignment_session_of_petition()",
     "CREATE TRIGGER trg_petition_moves_assignment AFTER UPDATE OF session_id ON petition "
     "FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id) "
     "EXECUTE FUNCTION petition_moves_its_assignment()"]
_SQLITE_COPY = [
    f"CREATE TRIGGER trg_assignment_session_{verb} AFTER {event} ON assignment BEGIN "
    f"UPDATE assignment SET session_id = (SELECT session_id FROM petition "
    f"WHERE id = NEW.petition_id) WHERE id = NEW.id; END"
    for verb, event in (("insert", "INSERT"), ("update", "UPDATE OF petition_id"))] + [
    "CREATE TRIGGER trg_petition_moves_assignment AFTER UPDATE OF session_id ON petition "
    "WHEN OLD.session_id IS NOT NEW.session_id BEGIN UPDATE assignment "
    "SET session_id = NEW.session_id WHERE petition_id = NEW.id; END"]


def session_trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the per-session tokens' triggers on `dialect`, and those
    that copy each petition's session on its assignment."""
    if dialect == "postgresql":
        return _PG_SESSION_FUNCTIONS + [
            f"CREATE CONSTRAINT TRIGGER trg_session_revision_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
            for table, function in SESSION_TRIGGERS.items()] + _PG_COPY
    statements = list(_SQLITE_COPY)
    for table in SESSION_TRIGGERS:
        for verb, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]),
                           ("DELETE", ["OLD"])):
            body = " ".join(dict.fromkeys(_sqlite_session_statements(table, row)
                                          for row in rows))
            statements.append(f"CREATE TRIGGER trg_session_revision_{table}_{verb.lower()} "
                              f"AFTER {verb} ON {table} BEGIN {body} END")
    return statements


def drop_session_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS trg_session_revision_{table} ON {table}"
                for table in SESSION_TRIGGERS] + [
            "DROP TRIGGER IF EXISTS trg_assignment_session ON assignment",
            "DROP TRIGGER IF EXISTS trg_petition_moves_assignment ON petition",
            "DROP FUNCTION IF EXISTS assignment_session_of_petition()",
            "DROP FUNCTION IF EXISTS petition_moves_its_assignment()"] + [
            f"DROP FUNCTION IF EXISTS {name}" for name in (
                "bump_every_session()", "bump_assignment_session()", "bump_own_session()",
                "bump_petition_session()", "bump_session_agency_revision(integer, integer)",
                "bump_session_revision(integer, boolean)",
                "first_in_transaction(text, text)", "bump_data_revision_once()")]
    return [f"DROP TRIGGER IF EXISTS trg_session_revision_{table}_{verb}"
            for table in SESSION_TRIGGERS for verb in ("insert", "update", "delete")] + [
        "DROP TRIGGER IF EXISTS trg_assignment_session_insert",
        "DROP TRIGGER IF EXISTS trg_assignment_session_update",
        "DROP TRIGGER IF EXISTS trg_petition_moves_assignment"]


FIRST_ROW = "INSERT INTO data_revision (id, token) VALUES (1, 0)"


@event.listens_for(db.metadata, "after_create")
def _create_triggers(target, connection, **kw):
    """The schema made from the models (tests, `create_all`) gets the row and triggers the
    migrations 0025 and 0027 make."""
    tables = {t.name for t in kw.get("tables") or target.sorted_tables}
    if "data_revision" not in tables:
        return
    connection.execute(DDL(FIRST_ROW))
    statements = trigger_ddl(connection.dialect.name)
    if "session_revision" in tables:
        statements += session_trigger_ddl(connection.dialect.name)
    for statement in statements:
        connection.execute(DDL(statement.replace("%", "%%")))


# --------------------------------------------------------------------------- the cache

_lock = threading.Lock()


def _store(kind: str) -> OrderedDict:
    """The kept values of one kind (searches do not push the dashboard out)."""
    return current_app.extensions.setdefault("revision_cache", {}).setdefault(
        kind, OrderedDict())


def keeping() -> bool:
    """Whether figures are kept at all (REPORT_CACHE; off under TESTING unless set)."""
    return bool(current_app.config.get("REPORT_CACHE", not current_app.testing))


def current_token() -> int | None:
    """The data revision now (None when the row is missing: nothing is kept then)."""
    return db.session.scalar(select(DataRevision.token).where(DataRevision.id == 1))


def cached(kind: str, key: Hashable, compute: Callable[[], T],
           limit: int = MAX_ENTRIES) -> T:
    """`compute()`, or what it gave for the same `kind`, `key` and data revision.

    One query (the token) when the figures are kept; the computation and one more query
    when they are not. The figures are shared between requests: callers must not change
    them. At most `limit` values of the kind are kept (the least recently used go)."""
    if not keeping():
        return compute()
    token = current_token()
    if token is None:
        return compute()
    store = _store(kind)
    entry = (key, token)
    with _lock:
        if entry in store:
            store.move_to_end(entry)
            return store[entry]
    value = compute()
    if current_token() == token:  # no commit in between: the figures are of this revision
        with _lock:
            store[entry] = value
            while len(store) > limit:
                store.popitem(last=False)
    return value


# More stale sessions than this, or than half of those with a token: every session is
# counted in one pass rather than through an IN list.
COUNT_ALL_ABOVE = 200


def kept_by_session(kind: str, key: Hashable, count: Callable[[list[int] | None], dict[int, T]],
                    zero: T, limit: int = MAX_ENTRIES) -> dict[int, T]:
    """{session id: figures} as `count(None)` gives them for every session, kept session by
    session against the sessions' tokens (one query): after a change, only the sessions
    whose token moved are counted again, by `count([their ids])`, and the others' kept
    figures reused. A session `count` leaves out holds `zero`.

    The tokens are read before counting, so a session's figures are never kept under a
    token older than its data only: a commit in between moves the token again, and the
    next call counts that session again. Figures per `kind` and `key`; at most `limit`
    keys of a kind are kept."""
    if not keeping():
        return count(None)
    tokens = {sid: token for sid, (token, _petitions) in session_tokens().items()}
    store = _store(kind)
    with _lock:
        kept = store.get(key)
        if kept is not None:
            store.move_to_end(key)
    stale = None if kept is None else (
        [sid for sid, token in tokens.items() if sid not in kept or kept[sid][0] != token]
        + [sid for sid, (token, _value) in kept.items()
           if sid not in tokens and token is not None])
    if stale is not None and not stale:
        return {sid: value for sid, (_token, value) in kept.items()}
    if stale is None or len(stale) > min(COUNT_ALL_ABOVE, len(tokens) // 2):
        fresh = count(None)
        parts = {sid: (token, fresh.get(sid, zero)) for sid, token in tokens.items()}
        parts.update((sid, (None, value)) for sid, value in fresh.items() if sid not in tokens)
    else:
        fresh = count(stale)
        parts = dict(kept)
        parts.update((sid, (tokens.get(sid), fresh.get(sid, zero))) for sid in stale)
    with _lock:
        store[key] = parts
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)
    return {sid: value for sid, (_token, value) in parts.items()}


def session_tokens() -> dict[int, tuple[int, int]]:
    """{session id: (token, petitions token)} of every session (one query)."""
    return {sid: (token, petitions) for sid, token, petitions in db.session.execute(
        select(SessionRevision.session_id, SessionRevision.token,
               SessionRevision.petitions_token))}


def agency_tokens(session_ids=None) -> dict[tuple[int, int], int]:
    """{(session id, agency id): token} of the given sessions' (every session's: None)
    agencies whose assignments ever changed (one query)."""
    query = select(SessionAgencyRevision.session_id, SessionAgencyRevision.agency_id,
                   SessionAgencyRevision.token)
    if session_ids is not None:
        if not session_ids:
            return {}
        query = query.where(SessionAgencyRevision.session_id.in_(list(session_ids)))
    return {(sid, agency): token for sid, agency, token in db.session.execute(query)}


def forget() -> None:
    """Drop every kept figure of this process (tests; after restoring a backup by hand)."""
    with _lock:
        current_app.extensions.pop("revision_cache", None)
        current_app.extensions.pop("session_parts", None)


"""The projection runner: feeds read models the log's events, a chunk per transaction, exactly once.

Each projection keeps its rows in tables beside the events (the same SQLite file, the same
PostgreSQL schema) and its position, the last notification id it has applied, in
``projection_positions``, written in the same transaction as its rows. A crash loses at most
the chunk in flight, which is then applied again, in full.

We do not use eventsourcing's ``ProjectionRunner``: it needs a push subscription (SQLite has
none in 9.5), builds the application from ``env`` alone (ours needs a keyring), commits one
transaction per event, and hands a projection the decoded event only, where a transparency log
needs the exact stored bytes. So we poll ``select_notifications``, decode with the signing
mapper (every signature is checked) and give each handler both.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ledger.progress import Progress, silent

# Re-exported: a projection's apply() is written against Database, so it belongs to this API.
from ledger.projections.database import Database as Database
from ledger.projections.database import SQLiteDatabase as SQLiteDatabase
from ledger.projections.database import not_built

if TYPE_CHECKING:  # imported where used: a read that does not catch up never loads them
    from eventsourcing.persistence import Notification

    from ledger.store.events import EventStore

CHUNK_SIZE = 500
"""Events applied per transaction."""
POSITIONS = (
    "CREATE TABLE IF NOT EXISTS projection_positions "
    "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)
SCHEMAS = (
    "CREATE TABLE IF NOT EXISTS projection_schemas "
    "(name TEXT PRIMARY KEY, schema INTEGER NOT NULL)"
)
# Concurrent CREATE TABLE IF NOT EXISTS of one table can collide in PostgreSQL's catalogue.
SETUP_LOCK = "projection_positions"



@dataclass(frozen=True)
class Item:
    """One event to project: the stored notification (``id``, ``originator_id``,
    ``originator_version``, ``topic``, the exact signed ``state`` bytes) and the verified
    domain event decoded from it."""

    notification: Notification
    event: Any


class Projection:
    """A read model: the tables it owns and how one event changes them.

    ``topics`` selects the events it reads (empty: every event). ``apply`` runs inside the
    chunk's transaction; raising stops the projection with nothing of the chunk written. By
    default it calls the handler named after the event: ``minted`` for ``….Minted``.
    """

    name: ClassVar[str]
    ddl: ClassVar[tuple[str, ...]]
    """CREATE TABLE / CREATE INDEX IF NOT EXISTS statements."""
    tables: ClassVar[tuple[str, ...]]
    """The tables a rebuild drops."""
    schema: ClassVar[int] = 1
    """The version of the tables' shape: raised when ``ddl`` changes, so that tables built
    before are rebuilt from the log, not read with columns missing."""
    topics: ClassVar[tuple[str, ...]] = ()

    def apply(self, tx: Database, item: Item) -> None:
        """Change the projection's rows for one event, through ``tx``."""
        handler: Callable[[Database, Item], None] = getattr(
            self, item.notification.topic.rpartition(".")[2].lower())
        handler(tx, item)

    def apply_chunk(self, tx: Database, items: Sequence[Item]) -> None:
        """Apply a chunk's events in order, in one transaction. A projection that can write a
        chunk in fewer statements than one per event overrides this (the rows must end up
        exactly as applying each event would leave them)."""
        for item in items:
            self.apply(tx, item)

    def reads(self, topic: str) -> bool:
        """Whether the projection reads events of ``topic``."""
        return not self.topics or topic in self.topics


class Decoder:
    """Verified domain events by notification id, shared by the runners of one process.

    Stored events never change, so an event decoded (its signature checked) for one projection
    serves the others reading the same page. Pages handed to :meth:`ahead` have their
    signatures checked in worker processes meanwhile (:mod:`ledger.signing.batch`).
    """

    def __init__(self, events: EventStore, size: int = 4 * CHUNK_SIZE) -> None:
        self.events = events
        self.size = size
        self._events: OrderedDict[int, Any] = OrderedDict()
        from ledger.signing.batch import SignatureChecks
        from ledger.signing.mapper import SigningMapper, domain_event_of

        mapper = events.mapper
        self._checks = SignatureChecks(mapper) if isinstance(mapper, SigningMapper) else None
        self._domain_event_of = domain_event_of

    def ahead(self, page: Sequence[Notification], backlog: int) -> None:
        """Start checking the signatures of ``page``, which will be decoded soon, in worker
        processes when ``backlog`` (events still to read) makes them worth starting."""
        if self._checks is not None:
            self._checks.submit([n for n in page if n.id not in self._events], backlog)

    def __call__(self, notification: Notification) -> Item:
        event = self._events.get(notification.id)
        if event is None:
            if self._checks is None:
                event = self.events.mapper.to_domain_event(notification)
            else:
                checked = self._checks.take(notification)
                event = self._domain_event_of(notification,
                                        self._checks.mapper.verify(notification, checked))
            self._events[notification.id] = event
            if len(self._events) > self.size:
                self._events.popitem(last=False)
        return Item(notification, event)

    def close(self) -> None:
        """Stop the checking thread, if one was started."""
        if self._checks is not None:
            self._checks.close()


class Runner:
    """Applies the log's new events to one projection, exactly once, whoever else runs it."""

    def __init__(
        self, events: EventStore, db: Database, projection: Projection,
        chunk_size: int = CHUNK_SIZE, decoder: Decoder | None = None,
    ) -> None:
        self.events = events
        self.db = db
        self.projection = projection
        self.name = projection.name
        self.chunk_size = chunk_size
        self.decode = decoder or Decoder(events)
        self._ready = False

    def setup(self) -> None:
        """Create the projection's tables and its position row when missing; drop and start
        again from the first event tables an earlier version of the code built."""
        if self._ready:
            return
        with self.db.locked(SETUP_LOCK) as tx:
            tx.execute(POSITIONS)
            tx.execute(SCHEMAS)
        with self.db.locked(self.name) as tx:
            built = built_schema(tx, self.name)
            if built is not None and built != self.projection.schema:
                self._drop(tx)
            self._create(tx)
        self._ready = True

    def _create(self, tx: Database) -> None:
        for statement in self.projection.ddl:
            tx.execute(statement)
        tx.execute(
            "INSERT INTO projection_positions (name, position) VALUES (?, 0) "
            "ON CONFLICT (name) DO NOTHING",
            [self.name],
        )
        tx.execute(
            "INSERT INTO projection_schemas (name, schema) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET schema = excluded.schema",
            [self.name, self.projection.schema],
        )

    def _drop(self, tx: Database) -> None:
        for table in self.projection.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")  # our own constant, never input
        tx.execute("DELETE FROM projection_positions WHERE name = ?", [self.name])

    def rebuild(self) -> None:
        """Drop the projection's rows and reset its position, in one transaction: the next
        catch-up starts from the first event."""
        self.setup()
        with self.db.locked(self.name) as tx:
            self._drop(tx)
            self._create(tx)

    def position(self) -> int:
        """The last notification id applied (0: none yet)."""
        return read_position(self.db, self.name)

    def head(self) -> int:
        """The log's last notification id."""
        return self.events.head()

    def step(self, head: int) -> int | None:
        """Apply the next chunk of events up to ``head``: how many, or None once there."""
        start = self.position()
        if start >= head:
            return None
        page = self.events.recorder.select_notifications(
            start + 1, self.chunk_size, stop=head, topics=self.projection.topics
        )
        # Writers commit in notification id order, so every event up to ``head`` is visible:
        # a short page means nothing else up to ``head`` concerns this projection.
        end = page[-1].id if len(page) == self.chunk_size else head
        return self.apply_page(page, start, end)

    def apply_page(self, page: Sequence[Notification], start: int, end: int) -> int:
        """Apply the events of ``page`` after position ``start`` that this projection reads,
        and move its position to ``end`` (the last notification id the page covers): how many
        were applied, or 0 when another runner moved the position from ``start`` first.

        The page is read and verified before taking the lock, so the lock (which on SQLite
        also holds off the ledger's writers) is held only while rows are written.
        """
        items = [self.decode(n) for n in page
                 if n.id > start and self.projection.reads(n.topic)]
        with self.db.locked(self.name) as tx:
            if read_position(tx, self.name) != start:
                return 0  # another runner applied this chunk first: read on from its end
            self.projection.apply_chunk(tx, items)
            tx.execute(
                "UPDATE projection_positions SET position = ? WHERE name = ?", [end, self.name]
            )
        return len(items)


def built_schema(db: Database, name: str) -> int | None:
    """The schema version a projection's tables were built with: None when never built, 1
    when built before versions were recorded."""
    rows = db.execute("SELECT schema FROM projection_schemas WHERE name = ?", [name])
    if rows:
        return int(rows[0][0])
    return 1 if db.execute("SELECT 1 FROM projection_positions WHERE name = ?", [name]) else None


def read_position(db: Database, name: str) -> int:
    """A projection's position; NotFound before its first catch-up."""
    rows = db.execute("SELECT position FROM projection_positions WHERE name = ?", [name])
    if not rows:
        raise not_built(f"no position for {name}")
    return int(rows[0][0])


def catch_up(runners: Sequence[Runner], progress: Progress = silent) -> int:
    """Bring each runner to the log's head as it is now; return how many events were applied.

    The runners read the log together, a page at a time from the position of the one furthest
    behind, so each event is read and verified once however many projections need it. A
    runner that another process moves meanwhile simply reads on from where that one left it.
    """
    for runner in runners:
        runner.setup()
    if not runners:
        return 0
    head, applied = runners[0].head(), 0
    chunk_size = min(r.chunk_size for r in runners)
    decoder = runners[0].decode
    read_ahead: tuple[int, list[str], Sequence[Notification]] | None = None
    while True:
        starts = {r: r.position() for r in runners}
        behind = [r for r in runners if starts[r] < head]
        if not behind:
            return applied
        start = min(starts[r] for r in behind)
        topics = union_of_topics(behind)
        if read_ahead is not None and read_ahead[:2] == (start, topics):
            page = read_ahead[2]
        else:
            page = behind[0].events.recorder.select_notifications(
                start + 1, chunk_size, stop=head, topics=topics)
            decoder.ahead(page, head - start)
        end = page[-1].id if len(page) == chunk_size else head
        # The next page is read now and its signatures checked while this one is applied.
        read_ahead = None
        if end < head:
            following = behind[0].events.recorder.select_notifications(
                end + 1, chunk_size, stop=head, topics=topics)
            decoder.ahead(following, head - end)
            read_ahead = (end, topics, following)
        for runner in behind:
            if starts[runner] < end:
                applied += runner.apply_page(page, starts[runner], end)
                progress(f"projection {runner.name}: events", end, head)


def union_of_topics(runners: Sequence[Runner]) -> list[str]:
    """The topics any of ``runners`` reads (empty: every topic, if one of them reads all)."""
    if any(not r.projection.topics for r in runners):
        return []
    return sorted({t for r in runners for t in r.projection.topics})


def follow(runners: Sequence[Runner], interval: float, progress: Progress = silent,
           idle: Callable[[], object] | None = None) -> None:
    """Keep catching up, polling every ``interval`` seconds when idle (running ``idle`` first,
    when given), until interrupted."""
    while True:
        if not catch_up(runners, progress):
            if idle is not None:
                idle()
            time.sleep(interval)

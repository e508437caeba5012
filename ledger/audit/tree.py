"""Every stored node and leaf row of the transparency log, compared with the tree the audit
recomputes from the events, a page at a time (not just the root: a proof reads other nodes).

Nodes never change once written, so the stored tree's first leaves are compared even while the
``merkle_log`` projection is behind the log.
"""

from __future__ import annotations

from eventsourcing.persistence import Notification

from ledger.audit.report import AuditReport, Problem
from ledger.errors import MerkleMismatch
from ledger.ids import as_uuid
from ledger.projections.database import Database
from ledger.transparency.merkle import Node

PAGE = 1000
"""Leaves compared per round of queries."""

LeafRow = tuple[int, int, str, int, bytes]
"""leaf index, log position, originator id, originator version, leaf hash."""


class StoredTree:
    """Compares the stored tree's first ``size`` leaves, and every node they complete, with
    the nodes :meth:`add` is given."""

    def __init__(self, db: Database, size: int, report: AuditReport) -> None:
        self.db = db
        self.size = size
        self.report = report
        self.nodes: list[Node] = []
        self.leaves: list[LeafRow] = []

    def add(self, n: Notification, completed: list[Node]) -> None:
        """The nodes appending the leaf of ``n`` completed (the leaf first)."""
        _, index, leaf = completed[0]
        if index >= self.size:
            return
        self.nodes += completed
        self.leaves.append((index, n.id, str(as_uuid(n.originator_id)),
                            n.originator_version, leaf))
        if len(self.leaves) >= PAGE:
            self.flush()

    def flush(self) -> None:
        """Compare what was added since the last flush."""
        if not self.leaves:
            return
        self.compare_leaves()
        self.compare_nodes()
        self.report.projection_rows_compared += len(self.leaves) + len(self.nodes)
        self.leaves, self.nodes = [], []

    def compare_leaves(self) -> None:
        rows = self.db.execute(
            "SELECT leaf_index, position, originator_id, originator_version, leaf_hash "
            "FROM merkle_leaves WHERE leaf_index >= ? AND leaf_index <= ?",
            [self.leaves[0][0], self.leaves[-1][0]])
        stored = {int(r[0]): (int(r[0]), int(r[1]), str(r[2]), int(r[3]), bytes(r[4]))
                  for r in rows}
        for row in self.leaves:
            found = stored.get(row[0])
            if found != row:
                self.mismatch(f"leaf {row[0]}: position {row[1]}, aggregate {row[2]} version "
                              f"{row[3]}, hash {row[4].hex()[:16]}…",
                              "no row" if found is None else f"position {found[1]}, aggregate "
                              f"{found[2]} version {found[3]}, hash {found[4].hex()[:16]}…")

    def compare_nodes(self) -> None:
        spans: dict[int, tuple[int, int]] = {}
        for level, index, _ in self.nodes:
            low, high = spans.get(level, (index, index))
            spans[level] = (min(low, index), max(high, index))
        where = " OR ".join("(level = ? AND idx >= ? AND idx <= ?)" for _ in spans)
        params = [v for level, (low, high) in spans.items() for v in (level, low, high)]
        stored = {(int(level), int(index)): bytes(hash_) for level, index, hash_ in
                  self.db.execute(f"SELECT level, idx, hash FROM merkle_nodes WHERE {where}",
                                  params)}  # only ?s
        for level, index, hash_ in self.nodes:
            found = stored.get((level, index))
            if found != hash_:
                self.mismatch(f"node (level {level}, index {index}) = {hash_.hex()[:16]}…",
                              "no node" if found is None else f"{found.hex()[:16]}…")

    def mismatch(self, expected: str, found: str) -> None:
        self.report.problems.append(Problem(
            MerkleMismatch.code, None, None, None,
            f"the stored transparency log's {expected}", found))

"""`ledger ...` that SIGKILLs itself inside its N-th event-writing transaction.

    python tests/reliability/crashing_import.py N import FILE [options]

Runs ``ledger.cli.main`` with the event recorder wrapped: on the N-th transaction that writes
events, after the INSERT statements ran and before COMMIT, the process kills itself with SIGKILL,
the worst moment a writer can die: rows written, nothing committed.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from eventsourcing import postgres, sqlite

from ledger.cli.main import main


def arm(at: int) -> None:
    calls = 0

    def after_insert() -> None:
        nonlocal calls
        calls += 1
        if calls == at:
            os.kill(os.getpid(), signal.SIGKILL)

    sqlite_insert = sqlite.SQLiteApplicationRecorder._insert_events
    postgres_fetch = postgres.PostgresApplicationRecorder._fetch_ids_after_insert_events

    def sqlite_wrapper(self: Any, c: Any, stored_events: Any, **kwargs: Any) -> Any:
        ids = sqlite_insert(self, c, stored_events, **kwargs)
        if stored_events:
            after_insert()
        return ids

    def postgres_wrapper(self: Any, curs: Any, stored_events: Any, **kwargs: Any) -> Any:
        ids = postgres_fetch(self, curs, stored_events, **kwargs)
        after_insert()  # inside the transaction: the pipeline commits after this returns
        return ids

    sqlite.SQLiteApplicationRecorder._insert_events = sqlite_wrapper  # type: ignore[method-assign]
    postgres.PostgresApplicationRecorder._fetch_ids_after_insert_events = (  # type: ignore[method-assign]
        postgres_wrapper
    )


if __name__ == "__main__":
    arm(int(sys.argv[1]))
    main(sys.argv[2:])

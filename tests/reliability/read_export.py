"""Read a registry export to the end, as a command would: the record count, or the error.

    python tests/reliability/read_export.py EXPORT

Prints the number of records and exits 0, or prints ``error[code]: message`` on stderr and
exits with the error's exit code. Any other exception is a traceback (a bug). Until a
`ledger reconcile` command exists, this is the process whose memory the oversized-export tests
measure.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger.errors import LedgerError
from ledger.reconcile.readers import read_export


def main(path: str) -> int:
    try:
        count = sum(1 for _ in read_export(Path(path)))
    except LedgerError as e:
        print(f"error[{e.code}]: {e.message}", file=sys.stderr)
        return e.exit_code
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

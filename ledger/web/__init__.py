"""The ledger's public face, read-only: `ledger serve` (a JSON API, public retirement pages,
the log as C2SP tlog-tiles) and the pages a buyer opens to check what the ledger says without
trusting it (``verify_page``: a proof verified in the buyer's own browser). Nothing here loads
the private key or writes, so it runs unchanged against a PostgreSQL hot standby.
"""

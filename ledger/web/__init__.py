"""`ledger serve`: the ledger's public face, read-only. A JSON API, public retirement pages,
the buyer's in-browser verifier, and the log as C2SP tlog-tiles. It never loads the private
key and never writes, so it runs unchanged against a PostgreSQL hot standby."""

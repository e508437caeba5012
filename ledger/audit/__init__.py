"""`ledger audit`: replay the whole log and check everything, alone."""

"""An event-sourced, signed, auditable carbon credit ledger."""

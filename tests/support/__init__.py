"""Helpers the tests share, imported by name (never from a conftest):

- ``builders``: issuance documents and buyers, from the shipped examples
- ``clock``: a clock the tests move by hand
- ``postgres``: the test server, and whether a test may skip without it
- ``tamper``: direct edits of stored rows, as an attacker with database access makes them
- ``cli``: the real `ledger` command run in-process
"""

"""The `ledger` command line: parse, make one use-case call, render.

:mod:`ledger.cli.main` holds the group and the one error boundary; each command is in the
module named after it; :mod:`~ledger.cli.options` and :mod:`~ledger.cli.render` are what they
share; :mod:`~ledger.cli.text` is how results read as text.
"""

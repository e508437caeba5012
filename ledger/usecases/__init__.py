"""The service layer: every use case of the ledger, one module per family.

- :mod:`~ledger.usecases.setup`: create the store and keys, show, export and rotate keys
- :mod:`~ledger.usecases.minting`: mint a batch from an issuance document
- :mod:`~ledger.usecases.accounts`: open accounts, keep buyers' eligibility evidence
- :mod:`~ledger.usecases.reservations`: reserve, settle, release, expire
- :mod:`~ledger.usecases.holdings`: transfer and retire held credits
- :mod:`~ledger.usecases.reads`: one batch, account, reservation or retirement; balances, supply
  and retirements from the projections
- :mod:`~ledger.usecases.projecting`: catch projections up, rebuild, follow, status
- :mod:`~ledger.usecases.checkpoints`: sign checkpoints, prove retirements and consistency
- :mod:`~ledger.usecases.importing`: many operations per transaction from JSON Lines
- :mod:`~ledger.usecases.auditing` and :mod:`~ledger.usecases.reconciling`: the operator's and
  the registry's checks

Every use case is a function: an explicit :class:`~ledger.usecases.unit.UnitOfWork` first,
then keyword-only plain values; it returns a view (``ledger.views``) and makes one atomic save.
The command line, the importer and the web service call these; none of them holds a rule.
"""

"""The browser side: pages a buyer opens to check what the ledger says without trusting it.

``verify_page`` builds the self-contained page on which a retirement proof is verified in the
buyer's own browser (``static/verify.js`` runs every check of
:func:`ledger.transparency.verify.verify_bundle`); nothing here opens a database.
"""

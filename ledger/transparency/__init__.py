"""Transparency, with no database and no application import: RFC 9162 Merkle math
(``merkle``), C2SP signed notes and checkpoints (``note``, ``checkpoint``), retirement proof
bundles and C2SP tlog-proofs (``bundle``, ``tlog_proof``), and the offline verifier (``verify``).
"""

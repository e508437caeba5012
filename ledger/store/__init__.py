"""The store: the database that holds the signed events and the projections beside them.

``location`` says where it is (a SQLite file or a PostgreSQL URL) and turns a database that is
down into a clear error; ``events`` reads and writes its signed events through eventsourcing.
"""

"""Alembic migrations of the storage database, run by :mod:`storage.db.migrate`.

A package (not a bare directory) so that it ships with the code and is found after
``pip install``; no ``alembic.ini`` is needed.
"""

__all__: list[str] = []

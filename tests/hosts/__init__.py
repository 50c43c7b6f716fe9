"""Two app hosts behind nginx on one PostgreSQL (a package, so its conftest does not shadow
tests/conftest.py)."""

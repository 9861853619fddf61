"""The ``courtrec`` command line."""

__all__: list[str] = []

"""Routers of the API, one module per resource."""

__all__: list[str] = []

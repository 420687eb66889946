"""The Python SDK for modelyard's own API (grows with the governance API)."""

__all__: list[str] = []

"""Report layer: tables, pandas frames and matplotlib plots of indicator results."""

__all__: list[str] = []

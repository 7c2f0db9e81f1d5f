"""Store layer: persistence of event logs: SQLite (embedded default), JSON Lines, CSV."""

__all__: list[str] = []

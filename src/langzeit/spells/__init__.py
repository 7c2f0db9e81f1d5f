"""Spell layer: administrative spell tables (columnar, numpy) and their CSV reader."""

__all__: list[str] = []

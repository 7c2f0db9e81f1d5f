"""Indicator layer: pure calculators (§ 48a Kennzahlen, programme indicators, statistics)."""

__all__: list[str] = []

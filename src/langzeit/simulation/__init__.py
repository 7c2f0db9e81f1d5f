"""Simulation layer: scenarios and the Monte Carlo simulator that emits engine events."""

__all__: list[str] = []

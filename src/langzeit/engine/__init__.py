"""Engine layer: the pathway engine turning commands into validated events (DESIGN.md)."""

__all__: list[str] = []

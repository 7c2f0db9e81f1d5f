"""Network layer: the social space (Sozialraum) on networkx and its analyses."""

__all__: list[str] = []

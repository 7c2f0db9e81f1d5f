"""Shared test configuration: deterministic Hypothesis runs (tests are offline and repeatable)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "langzeit",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("langzeit")

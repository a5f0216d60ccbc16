"""Hypothesis's settings for the property-based tests.

`ci` (when the CI environment variable is set) keeps no example database and derandomises, so a run
is repeatable; `dev` keeps the failing examples it found in .hypothesis/ (ignored by git) to try them
first next time. Neither has a deadline nor a too-slow check: tests assert what a user would observe,
never timings, and the machine may be shared.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

COMMON: dict = {"deadline": None, "max_examples": 100, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", database=None, derandomize=True, **COMMON)
settings.register_profile("dev", **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

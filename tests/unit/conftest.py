"""Hypothesis's settings for the property-based tests.

`ci` (when the CI environment variable is set) keeps no example database and derandomises, so a run
is repeatable; `dev` keeps the failing examples it found in .hypothesis/ (ignored by git) to try them
first next time. Neither has a deadline: tests assert what a user would observe, never timings.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", database=None, derandomize=True, deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

"""SnapStart's runtime hooks (`daifuku:snapStart`): what a customer-facing function does once before
Lambda takes its snapshot, so that a restored environment answers its first request with the
resolver imported, the AWS clients built and the credentials read.

`snapshot_restore_py` exists only in Lambda's Python runtime, and only matters with SnapStart on; it is
imported when present, so the same handler runs unchanged without it (locally, in tests, SnapStart off).
The credentials read before the snapshot are not trusted for longer than their cache period: after a
restore the parameters cache finds them old and reads them again.
"""

from __future__ import annotations

from collections.abc import Callable


def prime_before_snapshot(prime: Callable[[], None]) -> bool:
    """Have the runtime call `prime` before the snapshot; False when there is no such runtime hook."""
    try:
        from snapshot_restore_py import register_before_snapshot  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_before_snapshot(prime)
    return True

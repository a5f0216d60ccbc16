"""Every pydantic model of the functions and the shared layer builds its validator on first use, not
at import: a cold function builds only the models its request touches (bench/cold_start.py)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from pydantic import BaseModel

import daifuku
import functions

REPO_ROOT = Path(__file__).resolve().parents[2]
# Imported by their own tools only (the painter needs Pillow, which tests may not have).
NOT_IMPORTED_HERE = ("functions.rich_menu_painter",)


def project_models() -> list[type[BaseModel]]:
    for package in (daifuku, functions):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.startswith(NOT_IMPORTED_HERE):
                importlib.import_module(module.name)
    found: list[type[BaseModel]] = []
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        if model.__module__.startswith(("daifuku.", "functions.")):
            found.append(model)
    return found


def test_every_model_defers_building_its_validator_to_first_use():
    models = project_models()

    eager = sorted(
        f"{m.__module__}.{m.__qualname__}" for m in models if not m.model_config.get("defer_build")
    )
    assert eager == [], "add defer_build=True to these models' ConfigDict"
    assert len(models) > 50  # the walk found the models


def test_a_deferred_model_validates_as_it_always_did():
    from daifuku.models.membership import RegistrationResult

    result = RegistrationResult.model_validate(
        {
            "member_no": "000001",
            "status": "registered",
            "legacy_number_claimed": False,
            "welcome_coupon_granted": True,
        }
    )

    assert result.member_no == "000001"
    assert RegistrationResult.__pydantic_complete__

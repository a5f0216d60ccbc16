"""The LINE Platform simulator: the project's test double for LINE (see simulator.py)."""

from daifuku_local.line_platform.config import FaultConfig, SimulatorConfig
from daifuku_local.line_platform.simulator import LineSimulator

__all__ = ["FaultConfig", "LineSimulator", "SimulatorConfig"]

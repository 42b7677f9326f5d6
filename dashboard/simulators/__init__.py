"""Vendor API simulators: standalone HTTP servers speaking the five seed vendor dialects.

Pure standard library, never imported by product code. See README.md in this directory.
"""

from .runner import DIALECTS, SimulatorHandle, start_simulator

VENDORS: tuple[str, ...] = tuple(DIALECTS)

__all__ = ["VENDORS", "SimulatorHandle", "start_simulator"]

"""Synthetic force with ground truth: the demo data and the benchmark data.

    from vigil.simulate import SimulationConfig, generate, write_extract, simulate
    cfg = SimulationConfig(staff=500, days=90, seed=7)
    tables = generate(cfg)                 # dict of pa.Table, conformed to vigil.contract
    write_extract(tables, "out/force", fmt="parquet")
    simulate(cfg, "out/force")             # the same, streaming events month by month

`generate(cfg, lazy=True)` returns the two event tables as `MonthlyEvents` (generated a
calendar month at a time when iterated) so big forces never sit in memory whole.
"""

from vigil.simulate.api import MonthlyEvents, Simulation, generate, simulate, write_extract
from vigil.simulate.config import HARD_NEGATIVE_KINDS, SCENARIO_KINDS, SimulationConfig

__all__ = [
    "HARD_NEGATIVE_KINDS",
    "SCENARIO_KINDS",
    "MonthlyEvents",
    "Simulation",
    "SimulationConfig",
    "generate",
    "simulate",
    "write_extract",
]

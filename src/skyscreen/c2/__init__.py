"""Command and control: threat evaluation and weapon-target assignment."""

from skyscreen.c2.instances import (
    WTAInstance,
    best_known,
    generate_wta_instance,
    read_wta_instance,
    write_wta_instance,
)
from skyscreen.c2.threat import threat_values, threat_values_and_time
from skyscreen.c2.wta import (
    WTA_METHODS,
    WTAResult,
    greedy_assign_batch,
    solve_wta,
    wta_objective,
)

__all__ = [
    "WTA_METHODS",
    "WTAInstance",
    "WTAResult",
    "best_known",
    "generate_wta_instance",
    "greedy_assign_batch",
    "read_wta_instance",
    "solve_wta",
    "threat_values",
    "threat_values_and_time",
    "write_wta_instance",
    "wta_objective",
]

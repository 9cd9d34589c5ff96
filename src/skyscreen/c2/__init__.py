"""Command and control: threat evaluation and weapon-target assignment."""

from skyscreen.c2.threat import threat_values, threat_values_and_time
from skyscreen.c2.wta import greedy_assign_batch

__all__ = ["greedy_assign_batch", "threat_values", "threat_values_and_time"]

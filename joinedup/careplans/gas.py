"""Goal attainment scaling: the Kiresuk–Sherman T-score (DOMAIN.md section 5).

Each goal is scored −2 (much less than expected) … 0 (the expected outcome) … +2 (much more).
For goals with scores xᵢ and weights wᵢ:

    T = 50 + 10 · Σwᵢxᵢ / √((1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²)

with ρ = 0.3, the assumed correlation between goal scores. T is 50 when every goal is met as
expected, and has a standard deviation of about 10 across people."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

RHO = 0.3
LEVELS = (-2, -1, 0, 1, 2)


@dataclass(frozen=True)
class Scored:
    level: int
    weight: Decimal | float | int = 1


def t_score(scores: Iterable[Scored], *, rho: float = RHO) -> float | None:
    """The T-score for these goal scores, or None when there are none to score. Refuses a level
    outside −2…+2 or a weight that is not positive."""
    items = list(scores)
    if not items:
        return None
    weighted_sum = 0.0
    sum_of_squares = 0.0
    total_weight = 0.0
    for item in items:
        if item.level not in LEVELS:
            raise ValueError(f"A goal attainment level is -2 to +2, not {item.level}.")
        weight = float(item.weight)
        if weight <= 0:
            raise ValueError("A goal's weight must be more than 0.")
        weighted_sum += weight * item.level
        sum_of_squares += weight * weight
        total_weight += weight
    denominator = math.sqrt((1 - rho) * sum_of_squares + rho * total_weight * total_weight)
    return 50 + 10 * weighted_sum / denominator

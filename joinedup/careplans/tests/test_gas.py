"""The Kiresuk–Sherman T-score, against examples worked by hand with ρ = 0.3."""

from __future__ import annotations

import pytest

from joinedup.careplans.gas import Scored, t_score


def test_every_goal_met_as_expected_scores_fifty() -> None:
    assert t_score([Scored(0), Scored(0), Scored(0)]) == pytest.approx(50.0)


def test_three_equal_goals_worked_by_hand() -> None:
    # Σwx = 1 + 1 − 1 = 1; Σw² = 3; (Σw)² = 9; √(0.7·3 + 0.3·9) = √4.8 = 2.19089
    # T = 50 + 10 · 1 / 2.19089 = 54.564
    assert t_score([Scored(1), Scored(1), Scored(-1)]) == pytest.approx(54.5644, abs=1e-4)


def test_one_goal_much_better_than_expected() -> None:
    # Σwx = 2; √(0.7·1 + 0.3·1) = 1; T = 50 + 20 = 70
    assert t_score([Scored(2)]) == pytest.approx(70.0)


def test_weights_change_the_score_as_worked_by_hand() -> None:
    # weights 2 and 1, levels −1 and +2: Σwx = −2 + 2 = 0 → T = 50
    assert t_score([Scored(-1, 2), Scored(2, 1)]) == pytest.approx(50.0)
    # weights 3 and 1, levels −2 and 0: Σwx = −6; Σw² = 10; (Σw)² = 16;
    # √(7 + 4.8) = √11.8 = 3.43511; T = 50 − 60 / 3.43511 = 32.5334
    assert t_score([Scored(-2, 3), Scored(0, 1)]) == pytest.approx(32.5334, abs=1e-4)


def test_no_scores_means_no_t_score_yet() -> None:
    assert t_score([]) is None


@pytest.mark.parametrize("level", [-3, 3])
def test_a_level_outside_minus_two_to_plus_two_is_refused(level: int) -> None:
    with pytest.raises(ValueError, match="-2 to \\+2"):
        t_score([Scored(level)])


def test_a_goal_needs_a_positive_weight() -> None:
    with pytest.raises(ValueError, match="more than 0"):
        t_score([Scored(1, 0)])

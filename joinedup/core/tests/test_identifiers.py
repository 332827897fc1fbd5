"""NHS numbers (Modulus 11, repeated digits) and postcodes, as DOMAIN.md section 3 describes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.core.identifiers import (
    InvalidIdentifier,
    format_nhs_number,
    is_valid_nhs_number,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_postcode,
)


def test_the_worked_example_from_the_domain_reference_is_valid() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9434765918", "not a valid NHS number"),  # wrong check digit
        ("1111111111", "same digit 10 times"),
        ("0000000000", "same digit 10 times"),
        ("943476591", "10 digits long"),
        ("94347659190", "10 digits long"),
        ("943 476 591X", "only numbers"),
        ("", "Enter the NHS number"),
    ],
)
def test_invalid_nhs_numbers_are_refused_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        normalise_nhs_number(raw)


def test_a_remainder_giving_check_digit_ten_means_no_valid_number() -> None:
    # 1+... digits chosen so that 11 - (total mod 11) == 10: total mod 11 == 1.
    first_nine = next(
        f"{n:09d}"
        for n in range(100_000_000, 100_001_000)
        if nhs_number_check_digit(f"{n:09d}") is None
    )
    assert all(not is_valid_nhs_number(first_nine + str(d)) for d in range(10))


def test_a_remainder_of_zero_gives_check_digit_zero() -> None:
    first_nine = next(
        f"{n:09d}"
        for n in range(100_000_000, 100_001_000)
        if nhs_number_check_digit(f"{n:09d}") == 0
    )
    assert is_valid_nhs_number(first_nine + "0")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_final_digit_completes_nine_digits_unless_check_is_ten(first_nine: str) -> None:
    valid_endings = [d for d in range(10) if is_valid_nhs_number(first_nine + str(d))]
    check = nhs_number_check_digit(first_nine)
    if check is None or len(set(first_nine + str(check))) == 1:
        assert valid_endings == []
    else:
        assert valid_endings == [check]


@given(
    st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9), st.integers(1, 9)
)
def test_changing_any_one_digit_of_a_valid_number_makes_it_invalid(
    digits: str, position: int, change: int
) -> None:
    if not is_valid_nhs_number(digits):
        return
    altered = (
        digits[:position] + str((int(digits[position]) + change) % 10) + digits[position + 1 :]
    )
    assert not is_valid_nhs_number(altered)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("M1 1AE", "M1 1AE"),  # A9 9AA
        ("b338th", "B33 8TH"),  # A99 9AA
        ("CR2 6XH", "CR2 6XH"),  # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),  # AA99 9AA
        ("W1A 0AX", "W1A 0AX"),  # A9A 9AA
        (" ec1a  1bb ", "EC1A 1BB"),  # AA9A 9AA, extra spaces, lower case
    ],
)
def test_postcodes_in_every_format_are_stored_upper_case_with_one_space(
    raw: str, stored: str
) -> None:
    assert normalise_postcode(raw) == stored


@pytest.mark.parametrize(
    "raw", ["", "SW1A", "1AA SW1", "SW1A 1A", "SWW1 1AA", "S 1AA", "SW1A 1AAA", "SW1A-1AA"]
)
def test_malformed_postcodes_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="real postcode"):
        normalise_postcode(raw)

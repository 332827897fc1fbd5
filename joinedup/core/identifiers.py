"""NHS numbers and UK postcodes: the identity rules in DOMAIN.md section 3."""

from __future__ import annotations

import re

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_NON_DIGITS = re.compile(r"[\s-]")
# Outward code (A9, A99, AA9, AA99, A9A, AA9A), one space, inward code (9AA).
_POSTCODE = re.compile(r"^(?P<outward>[A-Z]{1,2}[0-9][0-9A-Z]?)\s*(?P<inward>[0-9][A-Z]{2})$")
_OUTWARD_SHAPES = (
    re.compile(r"^[A-Z][0-9]$"),
    re.compile(r"^[A-Z][0-9]{2}$"),
    re.compile(r"^[A-Z]{2}[0-9]$"),
    re.compile(r"^[A-Z]{2}[0-9]{2}$"),
    re.compile(r"^[A-Z][0-9][A-Z]$"),
    re.compile(r"^[A-Z]{2}[0-9][A-Z]$"),
)


class InvalidIdentifier(ValueError):
    """Raised with a message fit to show to the person who typed the value."""


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(raw: str) -> str:
    """Return the ten digits of a valid NHS number, or raise InvalidIdentifier saying why.

    Spaces and dashes are allowed between digits (people type 943 476 5919)."""
    digits = _NON_DIGITS.sub("", raw.strip())
    if not digits:
        raise InvalidIdentifier("Enter the NHS number.")
    if not digits.isdigit() or not digits.isascii():
        raise InvalidIdentifier("An NHS number must contain only numbers.")
    if len(digits) != 10:
        raise InvalidIdentifier("An NHS number must be 10 digits long.")
    if len(set(digits)) == 1:
        raise InvalidIdentifier("An NHS number cannot be the same digit 10 times.")
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidIdentifier("This is not a valid NHS number. Check it and try again.")
    return digits


def is_valid_nhs_number(raw: str) -> bool:
    try:
        normalise_nhs_number(raw)
    except InvalidIdentifier:
        return False
    return True


def format_nhs_number(digits: str) -> str:
    """Show an NHS number the way people read it: 943 476 5919."""
    if len(digits) != 10:
        return digits
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def normalise_postcode(raw: str) -> str:
    """Return a postcode in upper case with one space (SW1A 1AA), or raise InvalidIdentifier."""
    compact = re.sub(r"\s+", "", raw.strip().upper())
    match = _POSTCODE.match(compact)
    if not match or not any(shape.match(match["outward"]) for shape in _OUTWARD_SHAPES):
        raise InvalidIdentifier("Enter a real postcode, like SW1A 1AA.")
    return f"{match['outward']} {match['inward']}"


def is_valid_postcode(raw: str) -> bool:
    try:
        normalise_postcode(raw)
    except InvalidIdentifier:
        return False
    return True

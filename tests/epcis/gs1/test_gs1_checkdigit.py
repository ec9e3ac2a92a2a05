"""GS1 mod-10 check digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epcis.gs1 import Gs1FormatError, check_digit, is_valid

digits = st.text(alphabet="0123456789", min_size=1, max_size=30)


@pytest.mark.parametrize(
    ("body", "expected"),
    [("0950600013435", 2), ("8061414112345", 8), ("10614141234567890", 8), ("952012345678", 8), ("0", 0)],
)
def test_check_digit_examples(body: str, expected: int) -> None:
    assert check_digit(body) == expected


@pytest.mark.parametrize("body", ["", "12a", "１２", " 12"])
def test_check_digit_rejects_non_digits(body: str) -> None:
    with pytest.raises(Gs1FormatError, match=r": check digit body must be ASCII digits$"):
        check_digit(body)


@pytest.mark.parametrize("number", ["", "5", "0950600013435X", "09506000134353"])
def test_is_valid_false(number: str) -> None:
    assert is_valid(number) is False


@given(digits)
def test_computed_digit_validates(body: str) -> None:
    assert is_valid(body + str(check_digit(body)))


@given(digits, st.data())
def test_any_single_digit_change_is_caught(body: str, data: st.DataObject) -> None:
    number = body + str(check_digit(body))
    position = data.draw(st.integers(0, len(number) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    assert not is_valid(number[:position] + replacement + number[position + 1 :])

"""CSET 82, CSET 39 and CSET 64 membership checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epcis.gs1 import CSET39, CSET64, CSET82, Gs1FormatError, check_cset82, is_cset82


def test_sets_have_their_sizes() -> None:
    assert (len(set(CSET82)), len(set(CSET39)), len(set(CSET64))) == (82, 39, 64)


@pytest.mark.parametrize("char", [" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "\x1d", "é"])
def test_excluded_characters(char: str) -> None:
    assert not is_cset82("AB" + char)


@given(st.text(alphabet=CSET82))
def test_cset82_text_is_accepted(text: str) -> None:
    assert is_cset82(text)
    assert check_cset82("21", text) == text


def test_check_cset82_message() -> None:
    with pytest.raises(Gs1FormatError) as caught:
        check_cset82("21", "AB CD")
    assert str(caught.value) == "(21) AB CD: character ' ' at position 3 is not in CSET 82"
    assert (caught.value.ai, caught.value.value, caught.value.rule) == ("21", "AB CD", "cset82")

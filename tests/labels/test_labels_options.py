"""RenderOptions: validation messages and the module-size maths (mm at a DPI to whole pixels)."""

from __future__ import annotations

from typing import Any

import pytest

from app.labels import LabelError, RenderOptions


@pytest.mark.parametrize(
    ("module_mm", "dpi", "expected"),
    [
        (0.5, 300, 6),  # 5.906 px
        (0.33, 600, 8),  # 7.795 px
        (0.25, 203, 2),  # 1.998 px
        (0.1, 72, 1),  # 0.283 px, at least one pixel
        (1.0, 2400, 94),  # 94.49 px
    ],
)
def test_module_px_from_mm_at_dpi(module_mm: float, dpi: int, expected: int) -> None:
    options = RenderOptions(module_mm=module_mm, dpi=dpi)
    assert options.pixels_per_module == expected
    assert options.module_size_mm == module_mm


def test_module_px_given_and_default() -> None:
    assert RenderOptions(module_px=7).pixels_per_module == 7
    assert RenderOptions(module_px=6, dpi=300).module_size_mm == pytest.approx(0.508)
    assert RenderOptions().pixels_per_module == 5


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"fmt": "gif"}, "fmt", "fmt must be 'png' or 'svg', got 'gif'"),
        ({"shape": "round"}, "shape", "shape must be 'square' or 'rectangular', got 'round'"),
        ({"module_px": 4, "module_mm": 0.5}, "module_px", "give module_px or module_mm, not both"),
        ({"module_px": 0}, "module_px", "module_px must be an integer from 1 to 100, got 0"),
        ({"module_px": 2.5}, "module_px", "module_px must be an integer from 1 to 100, got 2.5"),
        ({"module_mm": 0.01}, "module_mm", "module_mm must be from 0.05 to 10.0, got 0.01"),
        ({"dpi": 50}, "dpi", "dpi must be an integer from 72 to 2400, got 50"),
        ({"quiet_zone": 0}, "quiet_zone", "quiet_zone must be an integer from 1 to 50 modules, got 0"),
    ],
)
def test_invalid_options(kwargs: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(LabelError) as caught:
        RenderOptions(**kwargs)
    assert str(caught.value) == message
    assert caught.value.field == field

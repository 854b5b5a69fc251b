"""The browser tests see Chinese as people do: with a real CJK font, or they fail."""

from __future__ import annotations

import pytest

from e2e.conftest import missing_cjk_font

pytestmark = pytest.mark.browser


def test_chinese_is_drawn_with_a_cjk_font(browser):
    assert missing_cjk_font(browser) == ""


def test_characters_no_font_has_are_told_apart_from_real_glyphs(browser):
    """The check itself: two private-use code points are drawn as the same missing-glyph box, so they fail it."""
    problem = missing_cjk_font(browser, ("\ue001", "\ue002"))
    assert "renders without a CJK font" in problem and "fonts-noto-cjk" in problem

"""Traffic-light colours of cells in a tracker or a Word table, as words.

Many councils' trackers say an action's status by colouring its RAG cell red, amber or
green and typing nothing. :func:`rag_word` names such a colour — ``red``, ``amber``,
``green`` or ``blue`` (the "B" of BRAG: complete) — by its hue; greys, white, black,
faint tints, the pale blues of headings and banded rows, purple and pink name nothing.
:class:`RagPalette` finds the colour of a workbook cell's solid fill, whether it is given
as RGB, as one of Excel's indexed colours or as a theme colour (read from the workbook's
theme); the Word reader passes a table cell's shading to :func:`rag_word` itself.
"""
from __future__ import annotations

import colorsys
import re

#: the theme colour slots in the order a cell's ``theme="N"`` counts them
_THEME_SLOTS = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink")


def theme_colours(theme_xml: bytes | None) -> list[str | None]:
    """The RRGGBB of each theme colour slot of a workbook's ``theme1.xml`` (None where
    it cannot be read)."""
    if not theme_xml:
        return [None] * len(_THEME_SLOTS)
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(theme_xml)
    except Exception:  # a theme that does not parse names no colours
        return [None] * len(_THEME_SLOTS)
    found: dict[str, str] = {}
    for element in root.iter():
        slot = element.tag.rsplit("}", 1)[-1]
        if slot in _THEME_SLOTS and slot not in found:
            for child in element:
                value = child.get("val") if child.tag.endswith("srgbClr") else \
                    child.get("lastClr")
                if value and re.fullmatch(r"[0-9A-Fa-f]{6}", value):
                    found[slot] = value.upper()
    return [found.get(slot) for slot in _THEME_SLOTS]


def rag_word(rgb: str) -> str | None:
    """``red``, ``amber``, ``green`` or ``blue`` for a fill colour ``RRGGBB`` (a leading
    alpha byte is ignored) by its hue, or None for a colour that is none of them: too
    faint, too dark or too grey to be a traffic light, or purple and pink."""
    rgb = rgb[-6:]
    try:
        red, green, blue = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return None
    hue, saturation, value = colorsys.rgb_to_hsv(red, green, blue)
    # Excel's Good / Bad / Neutral cell styles (C6EFCE, FFC7CE, FFEB9C) are pale but
    # meant; greys and the faint tints used for banding (DDEBF7) are not
    if saturation < 0.15 or value < 0.35:
        return None
    degrees = hue * 360
    if degrees < 15 or degrees >= 340:
        return "red"
    if degrees < 66:
        return "amber"  # orange to yellow: Excel's "amber" is FFC000, many use FFFF00
    if degrees < 175:
        return "green"
    if degrees < 255:
        # pale blues (C6D9F1, DDEBF7) shade headings and bands; a blue meaning "done"
        # is a strong one (00B0F0, 0070C0)
        return "blue" if saturation >= 0.3 else None
    return None


class RagPalette:
    """Names the traffic-light colour of cells of one workbook (see :func:`rag_word`)."""

    def __init__(self, theme_xml: bytes | None) -> None:
        self._theme = theme_colours(theme_xml)

    def word(self, cell) -> str | None:
        """The colour word of ``cell``'s solid fill (an openpyxl cell, read-only or not),
        or None when it has none or another kind of fill."""
        fill = getattr(cell, "fill", None)
        if fill is None or fill.fill_type != "solid":
            return None
        rgb = self._rgb(fill.fgColor)
        return rag_word(rgb) if rgb else None

    def _rgb(self, colour) -> str | None:
        from openpyxl.styles.colors import COLOR_INDEX

        kind = getattr(colour, "type", None)
        if kind == "rgb" and isinstance(colour.rgb, str):
            return colour.rgb
        if kind == "indexed" and isinstance(colour.indexed, int) and \
                0 <= colour.indexed < len(COLOR_INDEX):
            return COLOR_INDEX[colour.indexed]
        if kind == "theme" and isinstance(colour.theme, int) and \
                0 <= colour.theme < len(self._theme):
            return self._theme[colour.theme]  # a tint lightens it, keeping its hue
        return None

"""The app's PNG icons, drawn by chromium from the SVGs beside them in services/web/public: `make
screenshots` writes them, and tests/browser/test_icons.py checks that the committed ones still match."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

PUBLIC = Path(__file__).resolve().parents[2] / "services" / "web" / "public"
# Each PNG, from its SVG at its size. The maskable one is full-bleed with the wave inside the central 80 %
# that Android's launcher shapes always show; iOS rounds its home-screen icon itself, and would show the
# transparent corners of icon.svg's as black.
ICONS = {
    "icon-192.png": ("icon.svg", 192),
    "icon-512.png": ("icon.svg", 512),
    "icon-maskable-512.png": ("icon-maskable.svg", 512),
    "apple-touch-icon.png": ("icon-maskable.svg", 180),
}


def draw(browser, png: str) -> bytes:
    """The PNG icon as chromium draws its SVG now (transparent outside the shape)."""
    svg, size = ICONS[png]
    page = browser.new_page(viewport={"width": size, "height": size})
    try:
        source = quote((PUBLIC / svg).read_text().strip())
        page.set_content(f'<img src="data:image/svg+xml,{source}" width="{size}" height="{size}">')
        page.add_style_tag(content="body { margin: 0 } img { display: block }")
        return page.screenshot(clip={"x": 0, "y": 0, "width": size, "height": size}, omit_background=True)
    finally:
        page.close()

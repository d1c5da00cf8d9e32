"""The icons a phone puts on its home screen and splash screen: each PNG is its SVG as drawn now (an icon
drawn by another tool once had jagged edges), Android gets a maskable one to fill its launcher's shape, and
iOS a full-bleed one it rounds itself."""

import requests

from tests.browser import icons, scene


def test_each_png_icon_is_its_svg_as_drawn_now(browser, tmp_path):
    changed = []
    for png in icons.ICONS:
        drawn = icons.draw(browser, png)
        share = scene.differing((icons.PUBLIC / png).read_bytes(), drawn)
        if share is None or share > scene.MAX_DIFFERING:
            (tmp_path / png).write_bytes(drawn)
            changed.append(f"{png}: " + ("size" if share is None else f"{share:.2%}"))
    assert not changed, f"icons differ from their SVGs ({', '.join(changed)}); `make screenshots` draws them"


def test_the_manifest_offers_each_icon_android_uses_and_the_page_the_one_ios_uses(app_url):
    manifest = requests.get(f"{app_url}/app/manifest.webmanifest", timeout=10).json()
    offered = {icon["src"]: icon for icon in manifest["icons"]}
    assert set(icons.ICONS) - set(offered) == {"apple-touch-icon.png"}
    assert offered["icon-maskable-512.png"]["purpose"] == "maskable"
    for png in offered.keys() & icons.ICONS.keys():
        assert offered[png]["sizes"] == f"{icons.ICONS[png][1]}x{icons.ICONS[png][1]}"
    shell = requests.get(f"{app_url}/app/", timeout=10).text
    assert '<link rel="apple-touch-icon" href="/app/apple-touch-icon.png"' in shell
    for png in icons.ICONS:
        assert requests.get(f"{app_url}/app/{png}", timeout=10).status_code == 200

"""`make screenshots`: the app's screenshots in docs/ (app-today.png, app-trends.png, app-reports.png at
390 px; app-*-1280.png at 1280 px), taken from the real stack in the scene of tests/browser/scene.py, and
the app's PNG icons from their SVGs (tests/browser/icons.py).
Not part of `make test` (pytest collects it only when named); run it after changing how a screen looks,
look at the pictures before committing them: tests/browser/test_app.py compares the screens with them."""

from services.ingestion.accounts import browser as browser_cookie
from tests.browser import icons, scene


def test_write_screenshots(browser, app_url, app_settings, db):
    for (screen, width), png in scene.take(
        browser, app_url, browser_cookie.cookie_name(app_settings)
    ).items():
        scene.path(screen, width).write_bytes(png)


def test_write_icons(browser):
    for png in icons.ICONS:
        (icons.PUBLIC / png).write_bytes(icons.draw(browser, png))

"""axe-core in the page: the web app's pinned copy (services/web's devDependency, installed by `npm ci`), so
the rules the tests hold the app to change only with its package-lock.json.

The script is evaluated through the DevTools protocol, which the app's Content-Security-Policy does not
govern (an inline <script> would be refused)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "services" / "web" / "node_modules" / "axe-core" / "axe.min.js"
# What fails a test: serious and critical always; moderate too, as the app has none left to excuse.
FAILING = ("critical", "serious", "moderate")
# WCAG 2.0-2.2 A and AA, and axe's best practices (landmarks, one main heading, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _script() -> str:
    if not AXE_JS.is_file():
        raise RuntimeError(f"{AXE_JS} is missing: run `make setup`")
    return AXE_JS.read_text()


RUN = """([tags, options]) => axe
    .run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], ...options})
    .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))"""
# axe measures targets at one scroll position: one under the navigation stuck to the screen's bottom reads
# as covered for good, though scrolling shows it. Target size is checked with the navigation in its place
# at the page's end instead.
NAV_IN_PLACE = "on => document.querySelector('nav')?.style.setProperty('position', on ? 'static' : '')"


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now, each with its impact, rule id and failing nodes."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_script())
    found = page.evaluate(RUN, [TAGS, {"rules": {"target-size": {"enabled": False}}}])
    page.evaluate(NAV_IN_PLACE, True)
    try:
        return found + page.evaluate(RUN, [TAGS, {"runOnly": ["target-size"]}])
    finally:
        page.evaluate(NAV_IN_PLACE, False)


def report(found: list[dict]) -> str:
    """Each violation with its first few nodes, a line each."""
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines += [f"    {node}" for node in v["nodes"][:5]]
    return "\n".join(lines)


def assert_accessible(page, where: str) -> None:
    """No violation of a failing impact on the page, as axe sees it now."""
    failing = [v for v in violations(page) if v["impact"] in FAILING]
    assert not failing, f"{where}:\n{report(failing)}"

"""Security headers on every response of both HTTP services, set in one place.

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` (page URLs carry link tokens) on all.
- `Strict-Transport-Security` in production.
- `Content-Security-Policy` on every HTML page: scripts and styles only as files of this origin (no inline
  script or style: the pages' few scripts, such as a copy button or the time-zone picker's default, are
  static files), nothing loaded from elsewhere,
  forms only to this origin, never framed (`frame-ancestors 'none'`: a page with a button, such as confirm,
  leave, unsubscribe or accept an invitation, cannot be overlaid by another site). A part of a site that
  needs more (a web app under its own path) adds to it with `extend_policy`; a view that sets its own
  policy keeps it.
- `Cache-Control: no-store` on every answer that does not say otherwise: API answers carry personal data,
  and no shared or browser cache may keep a copy. Static files keep their own caching.
"""

from __future__ import annotations

from flask import Flask, Response, request

from shared.settings import Settings

POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'none'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'",),
    "form-action": ("'self'",),
    "base-uri": ("'none'",),
    "frame-ancestors": ("'none'",),
}
HSTS = "max-age=63072000; includeSubDomains"  # two years, as the HSTS preload list asks
_EXTENSION = "tyh_csp"


def render_policy(policy: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def init_security_headers(app: Flask, settings: Settings) -> None:
    """Set the headers above on every response of `app`."""
    # Path prefix -> the policy for pages under it (the longest prefix wins); "" is every other page.
    app.extensions[_EXTENSION] = {"": render_policy(POLICY)}
    hsts = settings.is_production

    @app.after_request
    def _secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "text/html" and "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = policy_for(app, request.path)
        if "Cache-Control" not in headers and not (request.endpoint or "").endswith("static"):
            headers["Cache-Control"] = "no-store"
        return response


def extend_policy(app: Flask, path_prefix: str, **sources: tuple[str, ...]) -> str:
    """Allow more for pages under `path_prefix`, e.g. a web app's own scripts and API calls:
    `extend_policy(app, "/app/", script_src=("'self'",), connect_src=("'self'",))`. Directives are given
    with `_` for `-`; the rest of the policy stays as it is. Returns the policy now sent there."""
    policy = dict(POLICY)
    for name, values in sources.items():
        policy[name.replace("_", "-")] = tuple(values)
    app.extensions[_EXTENSION][path_prefix] = rendered = render_policy(policy)
    return rendered


def policy_for(app: Flask, path: str) -> str:
    policies = app.extensions[_EXTENSION]
    prefix = max((p for p in policies if path.startswith(p)), key=len)
    return policies[prefix]

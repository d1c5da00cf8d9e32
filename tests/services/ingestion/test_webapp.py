"""The web app's files at /app/: the shell for every screen, hashed assets cached for a year, the service
worker revalidated, and the strict CSP on all of them. Uses a small build output written here."""

import dataclasses
import gzip
import os

import pytest

from shared.web.headers import policy_for
from tests.support.runtimes import ingestion_app

SHELL = '<!doctype html><html><head><script type="module" src="/app/assets/app-1.js"></script></head></html>'


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(SHELL)
    (tmp_path / "assets" / "app-1.js").write_text("console.log('app')")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (tmp_path / "manifest.webmanifest").write_text('{"name": "Track Your Healing"}')
    return tmp_path


class Client:
    """The test client, closing each answer once read (files are streamed from disk)."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        response.get_data()
        response.close()
        return response


@pytest.fixture
def app(settings, db, redis, dist):
    return ingestion_app(dataclasses.replace(settings, web_dist_dir=str(dist)))


@pytest.fixture
def web(app):
    return Client(app.test_client())


def test_a_relative_dist_dir_is_read_from_where_the_process_starts(settings, db, redis, dist):
    """As the default (`services/web/dist`) is, in `make run` and the image: links in emails to /app/ (the
    check-in reminder's, the dose reminder's Settings) open the app, not a 404."""
    relative = os.path.relpath(dist)
    web = Client(ingestion_app(dataclasses.replace(settings, web_dist_dir=relative)).test_client())
    for path in ("/app/", "/app/settings", "/app/assets/app-1.js"):
        assert web.get(path).status_code == 200, path


def _directives(policy: str) -> dict[str, str]:
    return dict(d.split(" ", 1) for d in policy.split("; "))


def test_every_screen_path_gets_the_shell_revalidated_under_the_csp(web, app):
    for path in ("/app/", "/app/trends", "/app/settings/devices"):
        r = web.get(path)
        assert r.status_code == 200, path
        assert r.data.decode() == SHELL
        assert r.headers["Cache-Control"] == "no-cache"
        assert r.headers["Content-Security-Policy"] == policy_for(app, "/app/")
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_csp_allows_the_apps_own_scripts_and_no_inline_code_or_other_origin(web):
    policy = web.get("/app/").headers["Content-Security-Policy"]
    directives = _directives(policy)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["worker-src"] == "'self'"
    assert "unsafe" not in policy
    assert "http" not in policy
    assert directives["frame-ancestors"] == "'none'"


def test_the_service_worker_runs_under_the_apps_policy(web):
    """A worker is governed by the policy sent with its script, which is not an HTML page."""
    for path in ("/app/sw.js", "/app/assets/app-1.js"):
        assert _directives(web.get(path).headers["Content-Security-Policy"])["script-src"] == "'self'"


def test_pages_outside_the_app_keep_the_page_policy(web):
    page = web.get("/invitations/" + "a" * 43)  # an unusable invitation's page
    assert page.mimetype == "text/html"
    directives = _directives(page.headers["Content-Security-Policy"])
    assert directives["default-src"] == "'none'"
    assert "connect-src" not in directives and "worker-src" not in directives


def test_hashed_assets_are_cached_for_a_year_and_a_missing_one_is_404(web):
    r = web.get("/app/assets/app-1.js")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.mimetype in {"text/javascript", "application/javascript"}
    assert web.get("/app/assets/index-old999.js").status_code == 404


def test_a_browser_that_takes_compressed_files_gets_the_builds_copy_and_others_the_original(web, dist):
    """A first start on a slow phone connection downloads a third of the bytes (services/web/vite.config.ts
    writes the copies); a cache between keeps the encodings apart (Vary)."""
    original = (dist / "assets" / "app-1.js").read_bytes()
    (dist / "assets" / "app-1.js.gz").write_bytes(gzip.compress(original))
    (dist / "assets" / "app-1.js.br").write_bytes(b"brotli bytes")

    r = web.get("/app/assets/app-1.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert (r.headers["Content-Encoding"], r.data) == ("br", b"brotli bytes")
    r = web.get("/app/assets/app-1.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and gzip.decompress(r.data) == original
    assert r.mimetype in {"text/javascript", "application/javascript"}
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    r = web.get("/app/assets/app-1.js", headers={"Accept-Encoding": "br;q=0, identity"})
    assert "Content-Encoding" not in r.headers and r.data == original
    assert "Accept-Encoding" in r.headers["Vary"]
    # A screen's path without a compressed shell: the plain shell.
    assert web.get("/app/trends", headers={"Accept-Encoding": "br"}).data.decode() == SHELL


def test_service_worker_and_manifest_are_revalidated(web):
    for path in ("/app/sw.js", "/app/manifest.webmanifest"):
        r = web.get(path)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "no-cache"


def test_bare_app_path_redirects_into_the_scope(web):
    r = web.get("/app")
    assert r.status_code == 308
    assert r.headers["Location"].endswith("/app/")


def test_paths_outside_the_app_are_untouched(web):
    assert web.get("/app-other").status_code == 404
    assert web.get("/v1/catalog/symptoms").status_code == 200


def test_an_unbuilt_app_says_how_to_build_it(settings, db, redis, tmp_path):
    client = ingestion_app(dataclasses.replace(settings, web_dist_dir=str(tmp_path / "none"))).test_client()
    r = client.get("/app/")
    assert r.status_code == 503
    assert b"make setup" in r.data

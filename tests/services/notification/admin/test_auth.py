"""Sign-in, lockout, CSRF, sessions and API tokens."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from services.notification.admin import accounts, auth
from shared.mongo import mongo
from tests.services.notification.admin.conftest import PASSWORD, csrf_of
from tests.support.servers import child_env, free_port, gunicorn, http_ready, wait_for


def _login(client, password, email="admin@example.org"):
    csrf = csrf_of(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": csrf})


class TestAccounts:
    def test_password_is_stored_as_argon2id_hash(self, admin):
        stored = mongo.db.admin_accounts.find_one({"_id": admin["_id"]})
        assert stored["password_hash"].startswith("$argon2id$")
        assert PASSWORD not in str(stored)

    def test_api_token_is_stored_only_as_a_hash(self, admin):
        token, _ = accounts.create_token(admin["_id"], "script")
        assert token.startswith(accounts.TOKEN_PREFIX)
        assert token not in str(list(mongo.db.admin_api_tokens.find()))
        assert accounts.account_for_token(token)["_id"] == admin["_id"]


class TestLogin:
    def test_unauthenticated_page_redirects_to_login(self, anon):
        response = anon.get("/admin/stats")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login?next=/admin/stats")

    def test_good_password_signs_in_and_returns_to_next(self, anon, admin):
        csrf = csrf_of(anon.get("/admin/login").get_data(as_text=True))
        response = anon.post(
            "/admin/login",
            data={
                "email": "ADMIN@example.org",
                "password": PASSWORD,
                "csrf_token": csrf,
                "next": "/admin/stats",
            },
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/admin/stats"
        assert anon.get("/admin/stats").status_code == 200
        assert mongo.db.admin_audit.find_one({"action": "sign in"})["actor"] == "admin@example.org"

    def test_next_never_leaves_the_admin(self, anon, admin):
        csrf = csrf_of(anon.get("/admin/login").get_data(as_text=True))
        response = anon.post(
            "/admin/login",
            data={
                "email": "admin@example.org",
                "password": PASSWORD,
                "csrf_token": csrf,
                "next": "//evil.example",
            },
        )
        assert response.headers["Location"] == "/admin/"

    def test_control_characters_in_next_are_a_400_problem(self, anon, client, admin):
        # CR/LF would end the Location header: refused as a problem, signed in or not.
        for who in (anon, client):
            response = who.get("/admin/login", query_string={"next": "/admin/\r\nSet-Cookie: x=y"})
            assert (response.status_code, response.mimetype) == (400, "application/problem+json")
        csrf = csrf_of(anon.get("/admin/login").get_data(as_text=True))
        response = anon.post(
            "/admin/login",
            data={
                "email": "admin@example.org",
                "password": PASSWORD,
                "csrf_token": csrf,
                "next": "/admin/\n",
            },
        )
        assert (response.status_code, response.mimetype) == (400, "application/problem+json")

    def test_session_cookie_is_httponly_and_samesite(self, anon, admin):
        response = _login(anon, PASSWORD)
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie

    def test_wrong_password_is_refused_calmly(self, anon, admin):
        response = _login(anon, "not the password")
        assert response.status_code == 401
        assert "don&#39;t match" in response.get_data(as_text=True)
        assert anon.get("/admin/").status_code == 302

    def test_repeated_failures_lock_the_account_with_backoff(self, anon, admin, redis):
        for _ in range(auth.ACCOUNT_THRESHOLD):
            assert _login(anon, "wrong").status_code == 401
        locked = _login(anon, PASSWORD)  # even the right password waits out the lock
        assert locked.status_code == 429
        assert 0 < int(locked.headers["Retry-After"]) <= auth.BASE_LOCK_S
        assert "Please wait" in locked.get_data(as_text=True)

    def test_failures_from_one_ip_lock_every_account_it_tries(self, anon, admin, redis):
        for n in range(auth.IP_THRESHOLD):
            _login(anon, "wrong", email=f"nobody{n}@example.org")
        assert _login(anon, PASSWORD).status_code == 429

    def test_logout_ends_the_session(self, client):
        response = client.post("/admin/logout", data={"csrf_token": client.csrf})
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 302

    def test_logout_ends_a_copy_of_the_session_cookie(self, app, client):
        copy = app.test_client()
        copy.set_cookie("session", client.get_cookie("session").value)
        assert copy.get("/admin/").status_code == 200
        client.post("/admin/logout", data={"csrf_token": client.csrf})
        response = copy.get("/admin/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")

    def test_signing_in_again_after_logout_works(self, client):
        client.post("/admin/logout", data={"csrf_token": client.csrf})
        assert _login(client, PASSWORD).status_code == 302
        assert client.get("/admin/").status_code == 200


@pytest.fixture
def served(settings, db, redis, tmp_path):
    """The notification service under gunicorn (two processes of eight threads, as deployed)."""
    port = free_port()
    env = child_env(settings.as_env() | {"WEB_CONCURRENCY": "2", "WEB_THREADS": "8"})
    web = gunicorn("services.notification.wsgi:app", port, env, tmp_path / "web.log").start()
    try:
        wait_for(lambda: http_ready(f"http://127.0.0.1:{port}/healthz"), 30, "notification gunicorn")
        yield f"http://127.0.0.1:{port}"
    finally:
        web.stop()


def test_parallel_wrong_passwords_are_each_counted_before_checking(served, admin):
    """16 guesses sent at once: only the first ACCOUNT_THRESHOLD are checked, the rest wait out the lock."""
    sessions = []
    for _ in range(16):
        browser = requests.Session()
        page = browser.get(f"{served}/admin/login", timeout=10).text
        sessions.append((browser, csrf_of(page)))
    start = threading.Barrier(len(sessions))

    def guess(browser_and_csrf):
        browser, csrf = browser_and_csrf
        start.wait()
        form = {"email": "admin@example.org", "password": "wrong guess", "csrf_token": csrf}
        return browser.post(f"{served}/admin/login", data=form, timeout=60, allow_redirects=False).status_code

    with ThreadPoolExecutor(len(sessions)) as pool:
        statuses = list(pool.map(guess, sessions))
    assert sorted(statuses) == [401] * auth.ACCOUNT_THRESHOLD + [429] * (16 - auth.ACCOUNT_THRESHOLD)


class TestCsrf:
    def test_post_without_token_changes_nothing(self, client):
        response = client.post("/admin/invitations", data={"next": "5"})
        assert response.status_code == 400
        assert "form has expired" in response.get_data(as_text=True)

    def test_login_needs_the_form_token(self, anon, admin):
        response = anon.post("/admin/login", data={"email": "admin@example.org", "password": PASSWORD})
        assert response.status_code == 400


class TestUnknownAndApiAuth:
    def test_unknown_admin_route_is_a_bare_404(self, anon, client):
        for c in (anon, client):
            response = c.get("/admin/nothing-here")
            assert response.status_code == 404
            assert response.mimetype == "application/problem+json"
            assert "admin" not in response.get_data(as_text=True).replace("/admin/nothing-here", "")

    def test_api_without_token_is_401_problem(self, anon):
        response = anon.get("/admin/api/entries")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_api_rejects_a_session_cookie_or_revoked_token(self, client, admin):
        assert client.get("/admin/api/entries").status_code == 401
        token, record = accounts.create_token(admin["_id"], "old")
        assert accounts.revoke_token(admin["_id"], record["prefix"])
        assert (
            client.get("/admin/api/entries", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        )

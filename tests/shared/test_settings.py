import subprocess
import sys

import pytest

from shared.settings import DEV_SECRET, SPECS, Settings, SettingsError
from tests.support.servers import ROOT


class TestFromEnv:
    def test_defaults_are_for_local_runs(self):
        s = Settings.from_env({})
        assert s.environment == "development"
        assert s.mongo_uri == "mongodb://127.0.0.1:27017/"
        assert s.redis_url.startswith("redis://127.0.0.1:6379/")
        assert s.broker_url != s.redis_url  # the broker keeps its own Redis database

    def test_values_are_coerced(self):
        s = Settings.from_env({"SMTP_PORT": "2525", "SMTP_STARTTLS": "yes", "MONGO_TIMEOUT_MS": "750"})
        assert (s.smtp_port, s.smtp_starttls, s.mongo_timeout_ms) == (2525, True, 750)

    @pytest.mark.parametrize(
        ("env", "value"),
        [
            ("SMTP_PORT", "70000"),
            ("SMTP_STARTTLS", "maybe"),
            ("MONGO_URI", "postgres://x"),
            ("TYH_ENV", "staging"),
            ("MONGO_TIMEOUT_MS", "-1"),
            ("REDIS_URL", "localhost:6379"),
        ],
    )
    def test_invalid_value_names_the_setting(self, env, value):
        with pytest.raises(SettingsError, match=f"^{env} is invalid: "):
            Settings.from_env({env: value})

    def test_overrides_win_without_touching_environ(self):
        assert Settings.from_env({"MONGO_DB": "a"}, mongo_db="b").mongo_db == "b"

    def test_unknown_override_is_refused(self):
        with pytest.raises(SettingsError, match="unknown settings: nope"):
            Settings.from_env({}, nope=1)

    def test_as_env_round_trips(self):
        s = Settings.from_env({"SMTP_SSL": "true", "SMTP_PORT": "465"})
        assert Settings.from_env(s.as_env()) == s


class TestProduction:
    def secrets(self):
        return {
            "SECRET_KEY": "k" * 32,
            "OPS_TOKEN": "o" * 32,
            "EMAIL_WEBHOOK_SECRET": "w" * 32,
            "ENCRYPTION_KEYS": "7R8mXgKq3zVQj0n1wYlB2c4d5e6f7g8h9i0j1k2l3m4=",
        }

    def test_secrets_have_no_default_in_production(self):
        secret_envs = [spec.env for spec in SPECS.values() if spec.secret]
        assert secret_envs, "at least SECRET_KEY is a secret"
        for env in secret_envs:
            values = self.secrets() | {"TYH_ENV": "production"}
            del values[env]
            with pytest.raises(SettingsError, match=f"{env} is required in production"):
                Settings.from_env(values)

    def test_dev_secret_is_refused_in_production(self):
        with pytest.raises(SettingsError, match="SECRET_KEY"):
            Settings.from_env(self.secrets() | {"TYH_ENV": "production", "SECRET_KEY": DEV_SECRET})

    def test_production_with_secrets_starts(self):
        s = Settings.from_env(self.secrets() | {"TYH_ENV": "production"})
        assert s.is_production

    def test_public_links_must_be_https_in_production(self):
        env = self.secrets() | {"TYH_ENV": "production", "PUBLIC_BASE_URL": "http://tyh.example.org"}
        with pytest.raises(SettingsError, match="PUBLIC_BASE_URL must be an https:// URL"):
            Settings.from_env(env)
        assert Settings.from_env(env | {"PUBLIC_BASE_URL": "https://tyh.example.org"}).is_production

    def test_conflicting_tls_modes_are_refused(self):
        env = self.secrets() | {"TYH_ENV": "production", "SMTP_SSL": "1", "SMTP_STARTTLS": "1"}
        with pytest.raises(SettingsError, match="SMTP_STARTTLS and SMTP_SSL"):
            Settings.from_env(env)


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "import services.ingestion.wsgi"],
        [sys.executable, "-c", "import services.workers.worker"],
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            "127.0.0.1:0",
            "services.notification.wsgi:app",
        ],
    ],
    ids=["wsgi", "celery", "gunicorn"],
)
def test_bad_setting_stops_a_process_with_one_clear_line(command):
    env = {"PATH": "/usr/bin:/bin", "TYH_ENV": "production", "OPS_TOKEN": "o" * 32, "SMTP_PORT": "25"}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "configuration error: SECRET_KEY is required in production and has no default" in result.stderr
    assert "Traceback" not in result.stderr

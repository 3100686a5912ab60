import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def _settings_probe(module: str, env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def test_embedded_default_is_sqlite_and_filesystem_broker():
    result = _settings_probe(
        "config.settings.dev",
        {},
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3 filesystem:// pl Europe/Warsaw True"


def test_environment_selects_postgres_and_redis():
    result = _settings_probe(
        "config.settings.dev",
        {"DATABASE_URL": "postgres://u:p@db:5432/m", "REDIS_URL": "redis://r:6379/0"},
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql m redis://r:6379/0", result.stderr


@pytest.mark.parametrize(
    ("_case", "env", "message"),
    [
        ("debug on", {"DEBUG": "true", "SECRET_KEY": "x" * 50}, "DEBUG on"),
        ("no secret key", {}, "without a real SECRET_KEY"),
        ("short key", {"SECRET_KEY": "short-but-not-default"}, "at least 32 characters"),
    ],
)
def test_production_settings_refuse_unsafe_configuration(_case, env, message):
    result = _settings_probe("config.settings.production", env, "s.DEBUG")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_start_when_safe():
    result = _settings_probe(
        "config.settings.production",
        {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "urzad.example.pl"},
        "s.DEBUG, s.ALLOWED_HOSTS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['urzad.example.pl']"


def test_simulators_are_not_mounted_when_disabled(settings):
    """Production turns the simulators off: no /sim/ URL resolves (the payment gateway simulator would sign callbacks
    with the office's own key)."""
    import importlib

    from django.urls import Resolver404, clear_url_caches, resolve

    import config.urls

    settings.SIMULATORS_ENABLED = False
    try:
        clear_url_caches()
        importlib.reload(config.urls)
        for path in ("/sim/platnosci/", "/sim/epuap/", "/sim/wk/", "/sim/edoreczenia/skrzynka/"):
            with pytest.raises(Resolver404):
                resolve(path, urlconf=config.urls)
    finally:
        settings.SIMULATORS_ENABLED = True
        importlib.reload(config.urls)
        clear_url_caches()
    assert resolve("/sim/platnosci/", urlconf=config.urls)

"""Production settings: everything from the environment, and refusal to start when unsafe."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env
from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, DEBUG, INSECURE_SECRET_KEY, SECRET_KEY


def check_production_safety(*, debug: bool, secret_key: str) -> None:
    """Raise ImproperlyConfigured if the settings would be unsafe on a public server."""
    if debug:
        raise ImproperlyConfigured("Production settings refuse to start with DEBUG on.")
    if not secret_key or secret_key == INSECURE_SECRET_KEY or secret_key.startswith("django-insecure"):
        raise ImproperlyConfigured("Production settings refuse to start without a real SECRET_KEY.")
    if len(secret_key) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long in production.")


check_production_safety(debug=DEBUG, secret_key=SECRET_KEY)

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS: browsers keep to HTTPS for a year (the TLS-terminating proxy must serve HTTPS for every subdomain)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Persistent database connections: a new PostgreSQL connection per request costs a backend process and cold catalog
# caches (measured by bench/portal_taxes.py: docs/performance.md); checked before reuse after an error.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The login rate limits, the pending SAML requests and the replay markers live in the cache: one cache shared by every
# web process (Redis) in production; the per-process default is only for a single process (demo, tests).
if env("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
# No simulator under /sim/ in production unless explicitly wanted (a test installation): the payment gateway simulator
# would otherwise let anyone authorise an order with the office's own callback key.
SIMULATORS_ENABLED = env.bool("SIMULATORS_ENABLED", default=False)

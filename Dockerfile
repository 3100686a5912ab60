# Magistrat production image. One image for every role: web (gunicorn, the default command),
# Celery worker and Celery beat (docker-compose.yml gives each its command). See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/srv/magistrat/static \
    MEDIA_ROOT=/srv/magistrat/media

WORKDIR /app

# psycopg[binary], hiredis, lxml and cryptography come as wheels with their libraries; WeasyPrint (certificate
# PDFs) needs Pango, HarfBuzz and fontconfig from Debian, and DejaVu fonts for Polish diacritics.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The pinned dependencies first (pyproject.toml installs dependencies only), so that a code change
# does not reinstall them.
COPY pyproject.toml README.md* ./
RUN pip install .

COPY . .

# Translations (.mo files are not in git) and static files are built into the image. collectstatic
# loads the production settings, which refuse to start without a real-looking SECRET_KEY: give it a
# throw-away one that exists only during this build step.
RUN python scripts/i18n.py compile \
    && SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time python manage.py collectstatic --noinput --verbosity 1

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home magistrat \
    && mkdir -p /srv/magistrat/media \
    && chown magistrat:magistrat /srv/magistrat/media
USER magistrat

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# One image for the web app, the Celery worker and Celery beat; docker-compose.yml picks the role.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# pyproject.toml alone first, so editing the source reuses the dependency layer. The project
# declares no packages, so this installs the runtime dependencies only (no test extras).
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Production settings (hence the manifest storage WhiteNoise serves) switch on with a secret
# key; these throwaway values live only for this RUN and never reach the image's environment.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret \
    KEY_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput

# The source and static files stay root-owned: the app user can read them but not change them.
# The log's tiles are the one thing it writes (a volume in docker-compose.yml, owned from here).
RUN mkdir -p /data/log-tiles && chown app:app /data/log-tiles
USER app

EXPOSE 8000

# gunicorn reads its worker count from WEB_CONCURRENCY.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "settings.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]

# The portal image: gunicorn serves the web; the same image runs the Celery worker and beat
# (docker-compose.yml). Translations: the compiled .mo files are committed, so no gettext here.
FROM python:3.11-slim

# PYTHONPATH: settings.py finds templates/, locale/ and static/ next to the educonnect package,
# so the project is imported from /app, not from the copy pip installs into site-packages.
# STATIC_ROOT lives in the image (collected at build); VAR_DIR is the writable volume.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=educonnect.settings \
    PYTHONPATH=/app \
    VAR_DIR=/var/lib/educonnect \
    STATIC_ROOT=/app/staticfiles

# A writable home: gunicorn puts its control socket under ~/.gunicorn/.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --create-home --home-dir /home/portal \
        --shell /usr/sbin/nologin portal

WORKDIR /app
COPY . .
RUN pip install . && rm -rf build

# A throwaway key: collectstatic only needs the settings to load with DEBUG off (it sends no SMS).
RUN SECRET_KEY=collectstatic-only-not-a-secret SMS_CONSOLE_ALLOWED=true \
    python manage.py collectstatic --no-input -v 0 \
    && mkdir -p "$VAR_DIR" /var/lib/celery \
    && chown portal:portal "$VAR_DIR" /var/lib/celery

USER portal
EXPOSE 8000

CMD ["gunicorn", "educonnect.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

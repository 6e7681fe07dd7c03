"""gunicorn settings read from the working directory (``gunicorn educonnect.wsgi`` in the
Dockerfile, docker-compose.yml and tests/services): the access log never keeps a link token."""

logger_class = "educonnect.gunicorn_logging.RedactingLogger"

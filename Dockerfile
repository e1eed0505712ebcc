# Hot Papers for production: one image for web, workers and beat (compose.yaml says which runs what).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=hotpapers_site.settings.production

WORKDIR /app
RUN useradd --create-home --uid 10001 --user-group hotpapers

# Dependencies first, so a code change does not reinstall them (psycopg[binary] and lxml ship wheels).
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image (WhiteNoise serves them). The production settings need
# their variables to load: throwaway values, for this step only; the real ones come at run time.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build.invalid/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R hotpapers:hotpapers var

USER hotpapers
EXPOSE 8000
# The web process; compose.yaml runs the workers and beat from the same image with their own commands.
CMD ["gunicorn", "hotpapers_site.wsgi", "--bind", "0.0.0.0:8000", "--threads", "4", "--no-control-socket", "--access-logfile", "-"]

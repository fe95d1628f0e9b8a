# The platform's image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=allout.settings
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 gettext fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e . || true
COPY . .
RUN pip install --no-cache-dir -e . \
 && DEBUG=false SECRET_KEY=collectstatic ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && DEBUG=false SECRET_KEY=compilemessages ALLOWED_HOSTS=build python manage.py compilemessages --ignore .venv

RUN useradd --create-home --uid 10001 allout && mkdir -p /app/var/media && chown -R allout /app/var
USER allout
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "allout.wsgi"]

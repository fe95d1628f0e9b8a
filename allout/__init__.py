from allout import logs
from allout.celery import app as celery_app

# Before anything logs: every process of the platform (manage.py, gunicorn, the Celery worker
# and beat) imports this package first, and no log line of theirs may hold a token.
logs.install()

__all__ = ["celery_app"]

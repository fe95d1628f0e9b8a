# gunicorn's settings for the platform (docker-compose.yml and the Dockerfile use this file).
# Every log line passes through allout.logs.redact(): no token, email address or query value;
# the access line leaves out the Referer, the user agent and the address (allout/gunicorn.py).
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = "-"
errorlog = "-"
logger_class = "allout.gunicorn.RedactingLogger"
# When, what (the path, redacted), the answer and how long it took.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker):
    """Load the finder's place index (a few MB) as the worker starts, not on the first
    search: a visitor's `/events/?q=` would otherwise wait seconds for it, once per worker."""
    from events.finder.places import warm_up

    warm_up()

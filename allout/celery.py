import os
import signal

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")

app = Celery("allout")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def leave_sigterm_to_the_main_process(**kwargs) -> None:
    """A pool process ignores SIGTERM: the worker's main process owns the shutdown.

    honcho, systemd and `docker compose stop` of a process group send SIGTERM to every
    process of the worker at once. The main process answers with a warm shutdown: it takes
    no new task, waits for the running ones (an email's send is bounded by its time limit),
    acknowledges them and then closes its pool processes. By default the pool processes
    would die at once instead, mid-send, and their emails would be sent again once their
    claims went stale. Billiard keeps an ignored signal ignored, and its time limits and
    cold shutdown (SIGQUIT) still end a pool process, with SIGKILL if need be.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

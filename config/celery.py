"""The Celery application. Settings come from Django settings with the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("magistrat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _bind_task_id(task_id=None, **_kwargs):
    from core.context import set_task_id

    set_task_id(task_id)


@task_postrun.connect
def _unbind_task_id(**_kwargs):
    from core.context import set_task_id

    set_task_id(None)

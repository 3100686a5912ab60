"""The periodic schedule, declared in code in one place.

django-celery-beat's DatabaseScheduler installs these entries into its tables when beat starts, so
an administrator sees (and may pause) them in the admin; changes to the schedule itself are made here.
Each app adds its entries below, with a comment saying what runs and why at that time.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Nightly, 02:15: verify the hash chain of the audit log and record the verdict (core).
    "core.audit-verify-nightly": {
        "task": "core.tasks.audit_verify_chain",
        "schedule": crontab(hour=2, minute=15),
    },
    # Nightly, 00:30: end temporary stays whose planned end date has come (population).
    "population.expire-temporary-registrations": {
        "task": "population.tasks.expire_temporary_registrations",
        "schedule": crontab(hour=0, minute=30),
    },
    # Every 5 minutes: a heartbeat proving worker and beat are alive (shown on /healthz details).
    "core.heartbeat": {
        "task": "core.tasks.record_heartbeat",
        "schedule": crontab(minute="*/5"),
    },
}

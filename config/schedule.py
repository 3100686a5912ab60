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
    # Every 15 minutes: the simulated e-Doręczenia deems delivered the messages not collected within 14 days
    # of arrival (art. 41 ust. 1 pkt 3 u.d.e.); idempotent.
    "epuap.edoreczenia.deem-due": {
        "task": "epuap.edoreczenia.tasks.messages_deem_due",
        "schedule": crontab(minute="*/15"),
    },
    # Every 5 minutes: a heartbeat proving worker and beat are alive (shown on /healthz details).
    "core.heartbeat": {
        "task": "core.tasks.record_heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    # Every 15 minutes: simulated ePUAP — record 7-day reminders, deem delivered letters unopened for 14 days (UPD).
    "epuap.platform.deliveries-deem-due": {
        "task": "epuap.platform.tasks.deliveries_deem_due",
        "schedule": crontab(minute="*/15"),
    },
    # Every minute: poll the office's ePUAP boxes (WS-Pull); a lease per box keeps workers from polling one
    # box twice, a box in backoff after platform errors is skipped (epuap).
    "epuap.poll-boxes": {
        "task": "epuap.tasks.poll_boxes",
        "schedule": crontab(minute="*"),
    },
    # Every minute: fetch the letters sent to the office's e-Doręczenia address (lease as for the boxes) — epuap.
    "epuap.edoreczenia-inbox-poll": {
        "task": "epuap.tasks.edoreczenia_inbox_poll",
        "schedule": crontab(minute="*"),
    },
    # Every 5 minutes: read the e-Doręczenia evidences of the office's sent letters and record their legal
    # delivery (receipt, or deemed on day 14) — epuap.dispatch; idempotent.
    "epuap.edoreczenia-poll-dispatches": {
        "task": "epuap.tasks.edoreczenia_poll_dispatches",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute: hand delivery results (DeliveryEvent outbox) to the handlers other apps registered; once each.
    "epuap.deliver-events": {
        "task": "epuap.tasks.deliver_events",
        "schedule": crontab(minute="*"),
    },
    # Working days, 07:00: the daily deadline digest to each clerk (documents); skips holidays, idempotent per day.
    "documents.daily-digest": {
        "task": "documents.tasks_inbox.send_daily_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon-fri"),
    },
    # Every minute: register accepted ePUAP / e-Doręczenia documents in the RPW (idempotent: one entry each).
    "documents.register-inbound": {
        "task": "documents.register_inbound_documents",
        "schedule": crontab(minute="*"),
    },
    # Every minute: read the office's IMAP mailbox (DOCUMENTS_IMAP_URL; does nothing when empty), screen, register.
    "documents.poll-mailbox": {
        "task": "documents.poll_mailbox",
        "schedule": crontab(minute="*"),
    },
    # Every minute: hand receipts of documents other apps handed over (ReceiptEvent outbox) to their handlers.
    "documents.deliver-receipt-events": {
        "task": "documents.tasks_dispatch.deliver_receipt_events",
        "schedule": crontab(minute="*"),
    },
    # Every 5 minutes: import the MT940 statements the bank delivered to FINANCE_STATEMENT_INBOX and archive them
    # to done/ or rejected/ (+ .reason.txt); a file is claimed by an atomic rename, so two runs import it once.
    "finance.import-statements-from-inbox": {
        "task": "finance.tasks.import_statements_from_inbox",
        "schedule": crontab(minute="*/5"),
    },
    # Every night: credit obligors' overpayments ex officio against their arrears and current liabilities
    # (OP art. 76 §1; finance); an obligor with nothing to credit gets no entry.
    "finance.settle-overpayments": {
        "task": "finance.tasks.settle_overpayments",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every night: enforcement titles sent or accepted whose installments are fully paid become "paid" (finance).
    "finance.titles-mark-paid": {
        "task": "finance.titles_mark_paid",
        "schedule": crontab(hour=2, minute=50),
    },
    # Every night: tax decisions delivered and not appealed become final after the 14-day appeal period (taxes).
    "taxes.decisions-mark-final": {
        "task": "taxes.tasks_decisions.mark_final",
        "schedule": crontab(hour=3, minute=10),
    },
    # Every night: waste fee declarations in force this month checked against the registered residents, the water
    # readings and the collection contracts (ucpg art. 6o); new discrepancies become findings (taxes).
    "taxes.waste-verify": {
        "task": "taxes.tasks_waste.verify",
        "schedule": crontab(hour=3, minute=30),
    },
    # The 1st of every month, 04:20: charge the month's waste fee of every property with an accepted declaration in
    # force (taxes; a month already charged for a property is skipped, so a second run posts nothing).
    "taxes.waste-charges-post-month": {
        "task": "taxes.tasks_waste_charges.post_month",
        "schedule": crontab(day_of_month=1, hour=4, minute=20),
    },
    # Daily, 07:00: the portal's notifications with consent — due-date reminders (7 days before and on the day),
    # new letters, case status changes; failed ones retried; each sent once (portal).
    "portal.send-notifications-daily": {
        "task": "portal.tasks.send_notifications",
        "schedule": crontab(hour=7, minute=0),
    },
}

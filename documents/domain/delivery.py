"""Delivery by post with awizo (KPA art. 44, Ordynacja podatkowa art. 150): pure date arithmetic.

A letter the postman could not hand over is left at the post office with a first notice (awizo); if not
collected within 7 days a second notice is left; the delivery is deemed made on the last day of the 14-day
period counted from the first notice (art. 44 §4 KPA). The same 14 days apply to e-Doręczenia (u.d.e. art. 41).
"""

from __future__ import annotations

import datetime

SECOND_NOTICE_AFTER_DAYS = 7
DEEMED_AFTER_DAYS = 14


def second_notice_date(first_notice: datetime.date) -> datetime.date:
    return first_notice + datetime.timedelta(days=SECOND_NOTICE_AFTER_DAYS)


def deemed_delivery_date(first_notice: datetime.date) -> datetime.date:
    """The last day of the 14-day period from the first notice (not shifted: it is not a limit for an action)."""
    return first_notice + datetime.timedelta(days=DEEMED_AFTER_DAYS)

"""Pure domain code of the local taxes (no ORM): :mod:`taxes.domain.engine` (amounts, rounding, months, joint
liability) and :mod:`taxes.domain.installments` (payment schedules, OP art. 47 §2)."""

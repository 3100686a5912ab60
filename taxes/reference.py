"""Reference data of the taxes app (taxes/data/*.csv), loaded after every migrate: rate categories, maximum rates,
rye and wood prices, hectare multipliers, exemption reasons. Existing rows are kept (an administrator may have
corrected them); missing ones are added."""


def reference_sync() -> int:
    """Filled by the rates area (issue 8)."""
    return 0

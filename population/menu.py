"""Back-office menu entries of the residents register (each shown only with its permission)."""


def register() -> None:
    """Each feature's view module adds its entries here when it is built."""

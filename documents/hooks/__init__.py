"""Registrations of the documents app, one module per area, each with ``register()``."""

from documents.hooks import archive, cases, dispatch, inbox, intake, outgoing, search


def register() -> None:
    for area in (intake, inbox, cases, outgoing, dispatch, archive, search):
        area.register()

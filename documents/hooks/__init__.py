"""Registrations of the documents app, one module per area, each with ``register()``."""

from documents.hooks import archive, cases, dispatch, inbox, intake, outgoing, search


def register() -> None:
    for area in (intake, inbox, cases, outgoing, dispatch, archive, search):
        area.register()
    from core.demo import register_seeder
    from documents import demo

    register_seeder("documents-cases", demo.seed_cases, order=47)
    register_seeder("documents-postal-fees", demo.seed_postal_fees, order=47)

"""Template tags of the changes area: ``{% load taxes_changes %}{% change_figures d as c %}`` — the old / new /
difference per tax of a changing or ending decision (``taxes.services.changes.change_figures``)."""

from django import template

register = template.Library()


@register.simple_tag
def change_figures(decision):
    from taxes.services.changes import change_figures as figures

    return figures(decision)

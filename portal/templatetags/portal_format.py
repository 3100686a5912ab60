"""Display helpers of the residents' portal: {% load portal_format %}."""

from django import template

from finance.domain.nrb import format_nrb

register = template.Library()


@register.filter
def nrb(value) -> str:
    """``{{ account|nrb }}`` → ``17 1020 1026 9876 5400 0000 0016`` (as printed on a transfer form); "" stays ""."""
    return format_nrb(value) if value else ""

"""Sync with the central PESEL register (issue 3, point 5): the export's CSV layout, the reconciliation
report and its application. Layout: docs/formats/pesel-export.md.
"""

from population.sync.layout import COLUMNS, parse_export
from population.sync.services import (
    ALLOWED_TRANSITIONS,
    central_import_apply,
    central_import_discard,
    central_import_upload,
    max_upload_bytes,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "COLUMNS",
    "central_import_apply",
    "central_import_discard",
    "central_import_upload",
    "max_upload_bytes",
    "parse_export",
]

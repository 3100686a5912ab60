"""Models of the finance app (added by the issue that builds this domain)."""

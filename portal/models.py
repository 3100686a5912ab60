"""Models of the portal app (added by the issue that builds this domain)."""

"""Models of the taxes app (added by the issue that builds this domain)."""

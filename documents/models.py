"""Models of the documents app (added by the issue that builds this domain)."""

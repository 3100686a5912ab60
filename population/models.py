"""Models of the population app (added by the issue that builds this domain)."""

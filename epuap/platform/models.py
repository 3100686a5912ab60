"""Models of the simulated system (added by the ePUAP issue)."""

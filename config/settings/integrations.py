"""Settings of the integrations with national platforms (ePUAP, e-Doręczenia). Imported by base.py.

EPUAP_MODE=simulated (default) talks to the simulation built into this server; real endpoints are a
configuration change (EPUAP_MODE=production and the URLs/certificates below).
"""

from config.env import VAR_DIR, env

EPUAP_MODE = env("EPUAP_MODE", default="simulated")
# Where the test PKI (CA, the office system's, the platform's and test residents' certificates) lives.
EPUAP_PKI_DIR = env.path("EPUAP_PKI_DIR", default=str(VAR_DIR / "pki"))
# Documents larger than this are refused (platform) or quarantined (adapter).
EPUAP_MAX_DOCUMENT_BYTES = env.int("EPUAP_MAX_DOCUMENT_BYTES", default=10 * 1024 * 1024)

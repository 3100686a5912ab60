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

# --- The office's adapter (client side of ePUAP) ---
# The built-in simulation is served by this very server; production sets the real endpoints below.
EPUAP_SIMULATION_BASE_URL = env("EPUAP_SIMULATION_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
_EPUAP_SIM_WS = EPUAP_SIMULATION_BASE_URL + "/sim/epuap/pk_external_ws/services"
EPUAP_PULL_URL = env("EPUAP_PULL_URL", default=_EPUAP_SIM_WS + "/pull")
EPUAP_SKRYTKA_URL = env("EPUAP_SKRYTKA_URL", default=_EPUAP_SIM_WS + "/skrytka")
EPUAP_DORECZYCIEL_URL = env("EPUAP_DORECZYCIEL_URL", default=_EPUAP_SIM_WS + "/doreczyciel")
# The office's podmiot (ePUAP identifier) and the boxes the adapter polls ("/podmiot/skrytka").
EPUAP_PODMIOT = env("EPUAP_PODMIOT", default="magistrowo")
EPUAP_BOXES = env.list("EPUAP_BOXES", default=["/magistrowo/skrytka"])
# The office's name as the simulated platform shows it (UPP Adresat, UPD PodmiotWystawiajacyPoswiadczenie).
EPUAP_OFFICE_NAME = env("EPUAP_OFFICE_NAME", default="Urząd Gminy Magistrowo")
# The office system's credential (name in EPUAP_PKI_DIR) signing requests, and the platform's certificate
# (PEM file) that must have signed every response; empty = the "platform" certificate of the test PKI.
EPUAP_OFFICE_CREDENTIAL = env("EPUAP_OFFICE_CREDENTIAL", default="office-system")
EPUAP_PLATFORM_CERTIFICATE = env("EPUAP_PLATFORM_CERTIFICATE", default="")
EPUAP_HTTP_TIMEOUT_SECONDS = env.float("EPUAP_HTTP_TIMEOUT_SECONDS", default=30.0)
# Polling: the lease a worker holds on a box, the most documents one poll takes, backoff after errors.
EPUAP_POLL_LEASE_SECONDS = env.int("EPUAP_POLL_LEASE_SECONDS", default=300)
EPUAP_POLL_MAX_DOCUMENTS = env.int("EPUAP_POLL_MAX_DOCUMENTS", default=1000)
EPUAP_BACKOFF_BASE_SECONDS = env.int("EPUAP_BACKOFF_BASE_SECONDS", default=30)
EPUAP_BACKOFF_MAX_SECONDS = env.int("EPUAP_BACKOFF_MAX_SECONDS", default=1800)

# e-Doręczenia. The office's side (adapter): its ADE, its registered client id and the private key that signs
# its client assertions; the URLs default to the simulation on this server.
EDORECZENIA_ADE = env("EDORECZENIA_ADE", default="AE:PL-10000-20000-MAGIS-01")
EDORECZENIA_CLIENT_ID = env("EDORECZENIA_CLIENT_ID", default=f"{EDORECZENIA_ADE}.SYSTEM.magistrat")
EDORECZENIA_CLIENT_KEY = env("EDORECZENIA_CLIENT_KEY", default=f"{EPUAP_PKI_DIR}/edoreczenia-office-client.key.pem")
# The simulated platform: token lifetime, the largest assertion lifetime it accepts, the message size limit,
# the deemed-delivery period (art. 41 u.d.e.) and the expected assertion audience ("" = this server's token URL).
EDORECZENIA_SIM_TOKEN_TTL = env.int("EDORECZENIA_SIM_TOKEN_TTL", default=600)
EDORECZENIA_SIM_ASSERTION_MAX_LIFETIME = env.int("EDORECZENIA_SIM_ASSERTION_MAX_LIFETIME", default=300)
EDORECZENIA_SIM_MAX_MESSAGE_BYTES = env.int("EDORECZENIA_SIM_MAX_MESSAGE_BYTES", default=EPUAP_MAX_DOCUMENT_BYTES)
EDORECZENIA_SIM_DEEMED_DAYS = env.int("EDORECZENIA_SIM_DEEMED_DAYS", default=14)
EDORECZENIA_SIM_TOKEN_AUDIENCE = env("EDORECZENIA_SIM_TOKEN_AUDIENCE", default="")
# The office's e-Doręczenia client (adapter): the platform's base URL (UA API under /ua/v1, search under /se/v1),
# the token endpoint, the assertion audience ("" = the token URL) and the JWKS that verifies evidences.
EDORECZENIA_BASE_URL = env("EDORECZENIA_BASE_URL", default=EPUAP_SIMULATION_BASE_URL + "/sim/edoreczenia").rstrip("/")
EDORECZENIA_TOKEN_URL = env("EDORECZENIA_TOKEN_URL", default=EDORECZENIA_BASE_URL + "/auth/token")
EDORECZENIA_ASSERTION_AUDIENCE = env("EDORECZENIA_ASSERTION_AUDIENCE", default="")
EDORECZENIA_JWKS_URL = env("EDORECZENIA_JWKS_URL", default=EDORECZENIA_BASE_URL + "/.well-known/jwks.json")

"""Settings shared by every environment.

Everything is configured here from the environment (config/env.py). With no variables set the project
runs on the *embedded default*: SQLite under var/ and kombu's filesystem broker, so web, worker and beat
run as separate processes on one machine with nothing installed but Python.
"""

from config.env import BASE_DIR, VAR_DIR, env
from config.schedule import BEAT_SCHEDULE
from config.settings.integrations import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=False)
INSECURE_SECRET_KEY = "django-insecure-magistrat-development-only-key"  # noqa: S105 (dev default; production refuses it)
SECRET_KEY = env("SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "simple_history",
    # Magistrat apps, in layering order: an app may import only apps listed before it.
    "core",
    "population",
    "epuap",
    "epuap.platform",
    "epuap.edoreczenia",
    "documents",
    "finance",
    "taxes",
    "portal",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security.PortalSecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside a writer, IMMEDIATE
    # transactions take the write lock up front so concurrent writers queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
    # A file (not :memory:) so that a real worker process started by a test sees the test data.
    # SQLITE_TEST_DB: another file for a second test run at the same time (one SQLite file has one writer).
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_DB", default=str(VAR_DIR / "test-db.sqlite3"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # HTMX sends the token from hx-headers on <body> (base.html), not the cookie

# --- I18N -------------------------------------------------------------------------------------------
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", "Polski")]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]

# --- Files --------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous API call gets 401 with WWW-Authenticate (not 403).
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.DenyAll"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_THROTTLE", default="30/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Magistrat API",
    "DESCRIPTION": "API systemu Magistrat (urząd gminy). All errors share one shape: see ErrorResponse.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.api.permissions.BackOfficeUser"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PartyKindEnum": "core.models.parties.Party.Kind",
        "RegistrationFormEnum": "population.models.residents.Registration.Form",
        "AssessmentRunStatusEnum": "taxes.models.assessment.AssessmentRun.Status",
        "WasteDecisionStatusEnum": "taxes.models.waste_decisions.WasteDecision.Status",
        "TaxDecisionKindEnum": "taxes.models.assessment.Decision.Kind",
        "TaxAppealOutcomeEnum": "taxes.models.appeals.DecisionAppeal.Outcome",
        "TaxAppealStatusEnum": "taxes.models.appeals.DecisionAppeal.Status",
        "WastePropertyKindEnum": "taxes.models.waste.WasteProperty.Kind",
        "WasteDeclarationPurposeEnum": "taxes.models.waste.WasteDeclaration.Purpose",
        "WasteDeclarationStatusEnum": "taxes.models.waste.WasteDeclaration.Status",
        "TaxDecisionStatusEnum": "taxes.models.assessment.Decision.Status",
        "TaxDeclarationFormEnum": "taxes.models.declarations.Declaration.Form",
        "TaxDeclarationPurposeEnum": "taxes.models.declarations.Declaration.Purpose",
        "TaxDeclarationStatusEnum": "taxes.models.declarations.Declaration.Status",
        "PartyStatusEnum": "core.models.parties.Party.Status",
        "ResidentStatusEnum": "population.models.residents.Resident.Status",
        "RegistrationKindEnum": "population.models.residents.Registration.Kind",
        "CertificateKindEnum": "population.models.certificates.Certificate.Kind",
        "CentralImportStatusEnum": "population.models.sync.CentralImport.Status",
        "ReconciliationItemKindEnum": "population.models.sync.ReconciliationItem.Kind",
        "IncomingEntryStatusEnum": "documents.models.registry.IncomingEntry.Status",
        "IncomingChannelEnum": "documents.models.registry.Channel",
        "CaseStatusEnum": "documents.models.cases.Case.Status",
        "CaseClosingMannerEnum": "documents.models.cases.Case.ClosingManner",
        "DocumentKindEnum": "documents.models.outgoing.DocumentKind",
        "OutgoingDocumentStatusEnum": "documents.models.outgoing.OutgoingDocument.Status",
        "ShipmentChannelEnum": "documents.models.outgoing.Shipment.Channel",
        "ShipmentStatusEnum": "documents.models.outgoing.Shipment.Status",
        "ReceiptKindEnum": "documents.models.outgoing.Receipt.Kind",
        "ReceiptMannerEnum": "documents.models.outgoing.Receipt.Manner",
        "ReceiptStatusEnum": "documents.models.outgoing.Receipt.Status",
        "PostalBookKindEnum": "documents.models.outgoing.PostalBook.Kind",
        "ArchiveTransferStatusEnum": "documents.models.archive.ArchiveTransfer.Status",
        "DisposalListStatusEnum": "documents.models.archive.DisposalList.Status",
        "EmailIntakeStatusEnum": "documents.models.registry.EmailIntake.Status",
        "PaymentStatusEnum": "finance.models.bank.Payment.Status",
        "PaymentSourceEnum": "finance.models.bank.Payment.Source",
        "BankStatementStatusEnum": "finance.models.bank.BankStatement.Status",
        "RefundOrderStatusEnum": "finance.models.bank.RefundOrder.Status",
        "StatementLineMatchEnum": "finance.models.bank.StatementLine.Match",
        "AccountEntryKindEnum": "finance.models.accounts.AccountEntry.Kind",
        "AccountEntryComponentEnum": "finance.models.accounts.AccountEntry.Component",
        "InterestAdjustmentKindEnum": "finance.models.accounts.InterestAdjustment.Kind",
        "CollectionRunKindEnum": "finance.models.collection.CollectionRun.Kind",
        "CollectionRunStatusEnum": "finance.models.collection.CollectionRun.Status",
        "InformationNoticeChannelEnum": "finance.models.collection.InformationNotice.Channel",
        "InformationNoticeStatusEnum": "finance.models.collection.InformationNotice.Status",
        "ReminderStatusEnum": "finance.models.collection.Reminder.Status",
        "ReminderReasonEnum": "finance.models.collection.Reminder.Reason",
        "EnforcementTitleStatusEnum": "finance.models.collection.EnforcementTitle.Status",
        "ArrearsCertificateStatusEnum": "finance.models.desk.Certificate.Status",
        "ArrearsCertificateOutcomeEnum": "finance.models.desk.Certificate.Outcome",
        "CashReportStatusEnum": "finance.models.desk.CashReport.Status",
        "CashReceiptKindEnum": "finance.models.desk.CashReceipt.Kind",
        "CashDepositStatusEnum": "finance.models.desk.CashDeposit.Status",
        "TaxObjectKindEnum": "taxes.models.register.TaxObject.Kind",
        "TaxLiabilityRoleEnum": "taxes.models.register.Liability.Role",
    },
}

# --- Celery ---------------------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Security -------------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)

# --- Logging --------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.context.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports every rendering step at INFO; keep its warnings (e.g. a missing font).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Magistrat -------------------------------------------------------------------------------------------------
MAGISTRAT_OFFICE_NAME = env("MAGISTRAT_OFFICE_NAME", default="Urząd Gminy")
# The TERC code of the office's gmina (7 digits): registrations of stay must be at addresses in it.
MAGISTRAT_GMINA_TERC = env("MAGISTRAT_GMINA_TERC", default="1499013")
# Upload limit for exports of the central PESEL register (bytes); the web server should cap requests too.
POPULATION_IMPORT_MAX_BYTES = env.int("POPULATION_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
MAGISTRAT_OFFICE_ADDRESS = env("MAGISTRAT_OFFICE_ADDRESS", default="pl. Wolności 1, 05-990 Magistrowo")
# --- Documents (EZD) ------------------------------------------------------------------------------------------
# The office's IMAP mailbox polled for incoming e-mail (imaps://user:password@host:993/INBOX); empty: not polled.
DOCUMENTS_IMAP_URL = env("DOCUMENTS_IMAP_URL", default="")
# A message over this size is refused without downloading its body (bytes).
DOCUMENTS_EMAIL_MAX_BYTES = env.int("DOCUMENTS_EMAIL_MAX_BYTES", default=20 * 1024 * 1024)
# One uploaded scan or attachment at most (bytes).
DOCUMENTS_MAX_FILE_BYTES = env.int("DOCUMENTS_MAX_FILE_BYTES", default=20 * 1024 * 1024)
# File types accepted in letters (MIME types); empty: the built-in list in documents/services/files.py.
DOCUMENTS_ALLOWED_TYPES = env.list("DOCUMENTS_ALLOWED_TYPES", default=[])
# A scanned ZPO (return receipt) at most (bytes).
DOCUMENTS_MAX_SCAN_BYTES = env.int("DOCUMENTS_MAX_SCAN_BYTES", default=10 * 1024 * 1024)
# A document another app hands over to the EZD (outgoing_create) at most (bytes).
DOCUMENTS_MAX_DOCUMENT_BYTES = env.int("DOCUMENTS_MAX_DOCUMENT_BYTES", default=20 * 1024 * 1024)
# The range of registered-letter numbers the post office allotted: "PREFIX:first:last" (8-digit serials, S10).
_range = env("DOCUMENTS_REGISTERED_NUMBER_RANGE", default="RR:10000000:19999999").split(":")
DOCUMENTS_REGISTERED_NUMBER_RANGE = (_range[0], int(_range[1]), int(_range[2]))
# Closed cases go to the office archive this many years after 1 January following their closing (instrukcja).
DOCUMENTS_ARCHIVE_AFTER_YEARS = env.int("DOCUMENTS_ARCHIVE_AFTER_YEARS", default=2)
# --- Finance ---------------------------------------------------------------------------------------------------
# The drop folder where the bank delivers MT940 statements (host-to-host); empty: not polled. Files at its top use
# the first active bank profile; files in a sub-folder named after a profile's code use that profile.
FINANCE_STATEMENT_INBOX = env("FINANCE_STATEMENT_INBOX", default="")
# Information notices before a reminder (działania informacyjne): the sender (dotted path) and, for the default log
# sender, a folder that also receives each message as a file (empty: the log only).
FINANCE_NOTICE_BACKEND = env("FINANCE_NOTICE_BACKEND", default="finance.services.reminders.LogNoticeBackend")
FINANCE_NOTICE_DIR = env("FINANCE_NOTICE_DIR", default="")
# Reminder runs with at most this many accounts in arrears are computed in the request (else a Celery task), and at
# most this many reminders handed over to EZD in the request (else a task: rendering the PDFs is the slow part).
FINANCE_REMINDER_INLINE_ACCOUNTS = env.int("FINANCE_REMINDER_INLINE_ACCOUNTS", default=2000)
FINANCE_REMINDER_INLINE_DOCUMENTS = env.int("FINANCE_REMINDER_INLINE_DOCUMENTS", default=50)
# Enforcement titles (TW-1): the enforcement organ they are addressed to, the version of our eTW XML layout (an XSD in
# finance/data/etw/), and the creditor's identifiers printed on them.
FINANCE_ENFORCEMENT_ORGAN = env("FINANCE_ENFORCEMENT_ORGAN", default="Naczelnik Urzędu Skarbowego")
FINANCE_ETW_SCHEMA_VERSION = env("FINANCE_ETW_SCHEMA_VERSION", default="magistrat-tw1-1")
FINANCE_CREDITOR_NIP = env("FINANCE_CREDITOR_NIP", default="")
FINANCE_CREDITOR_REGON = env("FINANCE_CREDITOR_REGON", default="")
# --- Taxes -----------------------------------------------------------------------------------------------------
# The tax organ named on decisions; the prefix of decision numbers (followed by <year>/<000001>); a mass assessment's
# dry run is computed in the request up to this many taxpayers, else by a Celery task.
TAXES_ORGAN = env("TAXES_ORGAN", default="Wójt Gminy")
TAXES_DECISION_NUMBER_PREFIX = env("TAXES_DECISION_NUMBER_PREFIX", default="FN.3120.1")
TAXES_ASSESSMENT_INLINE_TAXPAYERS = env.int("TAXES_ASSESSMENT_INLINE_TAXPAYERS", default=500)
# The back office's public address (https://ezd.gmina.pl), for links in e-mails; empty: e-mails carry no links.
MAGISTRAT_BASE_URL = env("MAGISTRAT_BASE_URL", default="").rstrip("/")

# --- Residents' portal: login through login.gov.pl (defaults: the simulated node; docs/integrations/login-gov-pl.md)
PORTAL_SAML_SP_ENTITY_ID = env("PORTAL_SAML_SP_ENTITY_ID", default="magistrat-portal")
PORTAL_SAML_IDP_ENTITY_ID = env("PORTAL_SAML_IDP_ENTITY_ID", default="magistrat-login-gov-pl-simulator")
PORTAL_SAML_IDP_SSO_URL = env("PORTAL_SAML_IDP_SSO_URL", default="")
PORTAL_SAML_IDP_ARTIFACT_URL = env("PORTAL_SAML_IDP_ARTIFACT_URL", default="")
PORTAL_SAML_IDP_SLO_URL = env("PORTAL_SAML_IDP_SLO_URL", default="")
PORTAL_SAML_IDP_CERT = env("PORTAL_SAML_IDP_CERT", default="")
PORTAL_SAML_SIGNING_KEY = env("PORTAL_SAML_SIGNING_KEY", default="")
PORTAL_SAML_SIGNING_CERT = env("PORTAL_SAML_SIGNING_CERT", default="")
PORTAL_SAML_ENCRYPTION_KEY = env("PORTAL_SAML_ENCRYPTION_KEY", default="")
PORTAL_SAML_ACS_URL = env("PORTAL_SAML_ACS_URL", default="")
PORTAL_SESSION_IDLE_SECONDS = env.int("PORTAL_SESSION_IDLE_SECONDS", default=900)
PORTAL_LOGIN_RATE_LIMIT = env.int("PORTAL_LOGIN_RATE_LIMIT", default=20)
PORTAL_LOGIN_RATE_WINDOW = env.int("PORTAL_LOGIN_RATE_WINDOW", default=300)

# --- Waste fee: one finance account and individual bank account per property instead of per payer (docs/waste.md)
WASTE_ACCOUNT_PER_PROPERTY = env.bool("WASTE_ACCOUNT_PER_PROPERTY", default=False)

# --- Online payments (docs/finance.md): the gateway's address and the shared HMAC secret (empty: derived from
# SECRET_KEY, for the simulated gateway /sim/platnosci/)
PAYMENT_GATEWAY_URL = env("PAYMENT_GATEWAY_URL", default="/sim/platnosci/")
PAYMENT_GATEWAY_SECRET = env("PAYMENT_GATEWAY_SECRET", default="")

# --- The simulators (ePUAP, e-Doręczenia, login.gov.pl, the payment gateway) under /sim/: on for development, tests
# and the demo; production turns them off (config/settings/production.py) — a simulator signs with the office's keys
SIMULATORS_ENABLED = env.bool("SIMULATORS_ENABLED", default=True)

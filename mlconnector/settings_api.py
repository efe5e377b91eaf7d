"""API and account settings: Django REST framework, the lifetimes and rates of people's credentials (API
tokens, sign-up confirmations, password-reset links), and the OpenAPI schema drf-spectacular serves.

A section of `mlconnector/settings.py`, which reads the environment once and hands its reader in.
"""
import environ


def api_settings(env: environ.Env) -> dict:
    return {
        "REST_FRAMEWORK": {
            # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`, not a bare 403.
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "api.authentication.ExpiringTokenAuthentication",
                "rest_framework.authentication.SessionAuthentication",
            ],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "TEST_REQUEST_DEFAULT_FORMAT": "json",
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
            "DEFAULT_THROTTLE_RATES": {
                "signup": env.str("API_SIGNUP_RATE", default="10/hour"),
                "auth": env.str("API_AUTH_RATE", default="30/minute"),
            },
        },
        # Password-reset links (e-mailed, one use) work this long.
        "PASSWORD_RESET_TIMEOUT": env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=3) * 3600,
        "PASSWORD_RESET_MAILS_PER_HOUR": env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3),
        # A sign-up not confirmed within this many hours expires; the hourly purge frees its username and address.
        "SIGNUP_VERIFY_HOURS": env.int("SIGNUP_VERIFY_HOURS", default=48),
        # API tokens are refused this many days after they were issued (rotate or log in again for a new one).
        "API_TOKEN_TTL_DAYS": env.int("API_TOKEN_TTL_DAYS", default=30),
        "SPECTACULAR_SETTINGS": {
            "TITLE": "ml-connector API",
            "DESCRIPTION": "Connections, integrations, runs, audit trail and replays of one tenant.",  # api/schema.py words it
            "VERSION": "1.0.0",
            "SERVE_INCLUDE_SCHEMA": False,
            "SCHEMA_PATH_PREFIX": r"/api/v1",
            "COMPONENT_SPLIT_REQUEST": True,
            "SWAGGER_UI_DIST": "SIDECAR",
            "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
            "REDOC_DIST": "SIDECAR",
            "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.schema_words"],
            "ENUM_NAME_OVERRIDES": {
                "ConnectionStatusEnum": "connections.models.Connection.Status",
                "RunStatusEnum": "syncs.models.SyncRun.Status",
                "PendingRecordStatusEnum": "syncs.models.PendingRecord.Status",
            },
        },
    }

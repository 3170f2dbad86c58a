"""Configuration read from environment variables."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "pedigree.sqlite3"


def normalise_database_url(url: str) -> str:
    """Map the usual PostgreSQL URL spellings onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def config_from_environment() -> dict:
    """Build the app configuration from the process environment."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    request_timeout = float(os.environ.get("PEDIGREE_REQUEST_TIMEOUT", 10))
    return {
        "DATABASE_URL": normalise_database_url(url),
        # PostgreSQL schema to use (search_path); default: the server's default (public).
        "DATABASE_SCHEMA": os.environ.get("PEDIGREE_DB_SCHEMA") or None,
        # Create, migrate and seed an empty SQLite database on start-up.
        "AUTO_INIT_SQLITE": _bool("PEDIGREE_AUTO_INIT", True),
        "MAX_CONTENT_LENGTH": int(os.environ.get("PEDIGREE_MAX_BODY_BYTES", 8 * 1024 * 1024)),
        # Reads need a token with the `read` scope (writes always need `write`).
        "REQUIRE_READ_TOKEN": _bool("PEDIGREE_REQUIRE_READ_TOKEN", False),
        # Browser origins allowed to call the API (comma-separated); CORS is off when empty.
        "CORS_ORIGINS": [o.strip() for o in os.environ.get("PEDIGREE_CORS_ORIGINS", "").split(",") if o.strip()],
        "PAGE_LIMIT_DEFAULT": 50,
        "PAGE_LIMIT_MAX": 500,
        "DB_CONNECT_TIMEOUT": int(os.environ.get("PEDIGREE_DB_CONNECT_TIMEOUT", 5)),
        # Every request ends within this many seconds (503 problem+json with Retry-After after it).
        "REQUEST_TIMEOUT": request_timeout,
        # One statement may run this long (default: 80% of the request deadline).
        "DB_STATEMENT_TIMEOUT_MS": int(os.environ.get("PEDIGREE_DB_STATEMENT_TIMEOUT_MS", int(request_timeout * 800))),
        # Expensive reads (graph walks, terms, batch checks, search) running at once per host; others queue.
        "HEAVY_CONCURRENCY": int(os.environ.get("PEDIGREE_HEAVY_CONCURRENCY", max(1, (os.cpu_count() or 2) // 2))),
        "HEAVY_SLOT_DIR": os.environ.get("PEDIGREE_HEAVY_SLOT_DIR") or None,
        "HEAVY_QUEUE_SECONDS": float(os.environ.get("PEDIGREE_HEAVY_QUEUE_SECONDS", 5)),
        "READ_CACHE_BYTES": int(float(os.environ.get("PEDIGREE_READ_CACHE_MB", 64)) * 1024 * 1024),
        "READ_CACHE_SECONDS": float(os.environ.get("PEDIGREE_READ_CACHE_SECONDS", 30)),
        # Per-model compliance results kept per process while the data is unchanged (0: none).
        "COMPLIANCE_KEPT_MODELS": int(os.environ.get("PEDIGREE_COMPLIANCE_KEPT_MODELS", 10_000)),
        # A writer waits this long for the write lock, then answers 503 "busy, retry".
        "DB_LOCK_TIMEOUT_MS": int(os.environ.get("PEDIGREE_DB_LOCK_TIMEOUT_MS", 5000)),
    }

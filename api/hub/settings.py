"""Hub settings read from the environment: mode, endpoint, token, time to live."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

PUBLIC_HUB = "https://huggingface.co"
MODES = ("off", "on-demand")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """Seconds in '90', '90s', '15m', '12h', '7d' or '2w'; ValueError otherwise."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"'{text}' is not a duration: use a number with s, m, h, d or w (e.g. 7d)")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class HubSettings:
    mode: str = "on-demand"
    endpoint: str = PUBLIC_HUB
    token: str | None = None
    ttl_seconds: int = 7 * 86400
    timeout: float = 10.0            # a first fetch
    refresh_timeout: float = 2.0     # a refresh of a stored answer: the stored one is served if the Hub is slower
    max_depth: int = 12              # base-model levels followed from the model asked for
    max_models: int = 60             # models fetched for one request
    max_retry_wait: float = 5.0      # longest Retry-After honoured inside a request; longer ones answer 503

    @property
    def enabled(self) -> bool:
        return self.mode == "on-demand"


def settings_from_environment(default_mode: str = "on-demand", env: Mapping[str, str] | None = None) -> HubSettings:
    """PEDIGREE_HUB, PEDIGREE_HUB_ENDPOINT (else the client's HF_ENDPOINT), HF_TOKEN, PEDIGREE_HUB_TTL."""
    environ = os.environ if env is None else env
    mode = (environ.get("PEDIGREE_HUB") or default_mode).strip().lower()
    if mode not in MODES:
        raise ValueError(f"PEDIGREE_HUB must be one of {', '.join(MODES)}, not '{mode}'")
    endpoint = (environ.get("PEDIGREE_HUB_ENDPOINT") or environ.get("HF_ENDPOINT") or PUBLIC_HUB).rstrip("/")
    return HubSettings(
        mode=mode,
        endpoint=endpoint,
        token=environ.get("HF_TOKEN") or None,
        ttl_seconds=parse_duration(str(environ.get("PEDIGREE_HUB_TTL", "7d"))),
        timeout=float(environ.get("PEDIGREE_HUB_TIMEOUT", 10)),
        refresh_timeout=float(environ.get("PEDIGREE_HUB_REFRESH_TIMEOUT", 2)),
        max_retry_wait=float(environ.get("PEDIGREE_HUB_MAX_RETRY_WAIT", 5)),
    )

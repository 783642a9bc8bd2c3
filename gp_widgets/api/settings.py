"""Where the client talks to and with which key: arguments first, then the environment."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .constants import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. The key is kept out of ``repr`` and never logged."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES

    @classmethod
    def resolve(
        cls, api_key: str | None = None, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> Settings:
        key = api_key if api_key is not None else os.environ.get("GP_API_KEY") or None
        url = base_url or os.environ.get("GP_BASE_URL") or DEFAULT_BASE_URL
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        return cls(base_url=url.rstrip("/"), api_key=key, timeout=float(timeout), max_retries=int(max_retries))

    @property
    def backend(self) -> str:
        """``"local"`` for an engine on loopback, else ``"remote"`` (the service)."""
        host = urlsplit(self.base_url).hostname or ""
        if host == "localhost":
            return "local"
        try:
            return "local" if ipaddress.ip_address(host).is_loopback else "remote"
        except ValueError:
            return "remote"

    def redact(self, text: str) -> str:
        """``text`` with the key blanked out, for messages that might echo it."""
        return text.replace(self.api_key, "***") if self.api_key else text

"""Which WuzAPI URLs this app may call, and when two URLs name the same WuzAPI server.

An admin types a WuzAPI base URL, and the app then requests it (token check, webhook, pairing,
the status poll): without a limit that is a way to make the server request any internal
host:port. `WUZAPI_ALLOWED_HOSTS` (comma-separated `host`, `host:port` or `*.domain`; unset:
any host, for a single self-hosting team) limits it; hosted multi-tenancy must set it. The host
of `WUZAPI_ADMIN_URL` is always allowed (the operator chose it). URLs with credentials, a
query or a fragment are refused whatever the setting.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from whatrack.errors import WuzapiHostNotAllowed, WuzapiUrlInvalid
from whatrack.settings import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}


def clean_base_url(url: str) -> str:
    """The stored form of a base URL typed by an admin; raises WuzapiUrlInvalid if unusable."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise WuzapiUrlInvalid("The WuzAPI URL is not a valid URL") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise WuzapiUrlInvalid("The WuzAPI URL must be http(s)://host[:port][/path]")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise WuzapiUrlInvalid("The WuzAPI URL must not carry user:password (send the token instead)")
    if parts.query or parts.fragment or "#" in text or "?" in text:
        raise WuzapiUrlInvalid("The WuzAPI URL must not carry a query or a fragment")
    return text.rstrip("/")


def _host_key(host: str) -> str:
    host = host.rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "loopback" if host == "localhost" or host.endswith(".localhost") else host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return "loopback" if ip.is_loopback or ip.is_unspecified else ip.compressed


def server_key(url: str) -> str:
    """One spelling per server: scheme, host (every loopback name is one), port, path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    return f"{scheme}://{_host_key(parts.hostname or '')}:{port}{parts.path.rstrip('/')}"


def _allowed_entries(settings: Settings) -> list[str] | None:
    if not settings.wuzapi_allowed_hosts or not settings.wuzapi_allowed_hosts.strip():
        return None
    entries = [e.strip().lower() for e in settings.wuzapi_allowed_hosts.replace(" ", ",").split(",") if e.strip()]
    if settings.wuzapi_admin_url:
        admin = urlsplit(settings.wuzapi_admin_url)
        if admin.hostname:
            entries.append(admin.hostname.lower())
    return entries


def host_allowed(url: str, settings: Settings) -> bool:
    entries = _allowed_entries(settings)
    if entries is None:
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return False
    for entry in entries:
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        if name == host or (name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


def check_target(url: str, settings: Settings) -> None:
    """Raises WuzapiHostNotAllowed unless WUZAPI_ALLOWED_HOSTS lets the app call `url`."""
    if not host_allowed(url, settings):
        raise WuzapiHostNotAllowed("This server is not allowed to call WuzAPI at that host (WUZAPI_ALLOWED_HOSTS)")


def check_instance(base_url: str, *, is_demo: bool, settings: Settings) -> None:
    """The rule for every call to a stored instance's WuzAPI (pairing, status, sending, checking
    a number, read receipts, presence): WUZAPI_ALLOWED_HOSTS holds for instances added before it
    was set, too. The embedded demo instance is this app itself. Raises WuzapiHostNotAllowed."""
    if not is_demo:
        check_target(base_url, settings)

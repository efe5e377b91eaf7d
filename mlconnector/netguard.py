"""Outgoing calls to addresses a tenant chose: which hosts and addresses may be reached (SSRF guard).

Tenants type URLs (a vendor base URL, a token URL, a notification webhook), and our servers call them from
inside our network. Without a check such a URL reaches loopback services, the private network or the cloud
metadata endpoint (169.254.169.254, fd00:ec2::254), and the error text carries what they answered back.

The check runs at every connection, not when the URL is saved, because DNS can change in between (rebinding).
`PinnedAdapter` closes the remaining window between check and connect: it resolves the host once, checks
every address, and connects to the checked address itself, keeping the name for the Host header, TLS SNI and
certificate verification. A system-wide proxy would resolve names on its own, so pinned sessions ignore
proxy environment variables.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Callable, Iterable
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class DestinationRefused(Exception):
    """The host is not allowed, or resolves to an address we never call. Permanent: retrying cannot help."""


def address_is_public(address: str) -> bool:
    """Globally routable unicast. Excludes loopback, private, link-local (metadata), CGNAT (100.64/10),
    unique-local (fd00:ec2::254), multicast, reserved and unspecified, also when wrapped in IPv6."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_is_public(str(embedded)):
            return False
        if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 wraps an IPv4 address in the low bits
            return address_is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return ip.is_global and not ip.is_multicast


def address_is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def host_is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return address_is_loopback(host)
    except ValueError:
        return False


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DestinationRefused(f"{host} could not be resolved") from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def non_public_address(host: str) -> str | None:
    """The first address of `host` that is not public, or None (also None when it does not resolve)."""
    try:
        addresses = resolve(host, 443)
    except DestinationRefused:
        return None
    return next((a for a in addresses if not address_is_public(a)), None)


def checked_address(host: str, port: int, *, allow_loopback: bool = False) -> str:
    """Resolve `host` and return the address to connect to; refuse if ANY address is not public (a name
    answering both a public and a private address would otherwise win half the time). Loopback is
    accepted only when asked for (the local sandbox), and then only loopback, never the private network."""
    addresses = resolve(host, port)
    if not addresses:
        raise DestinationRefused(f"{host} could not be resolved")
    for address in addresses:
        if address_is_public(address) or (allow_loopback and address_is_loopback(address)):
            continue
        raise DestinationRefused(f"{host} resolves to the non-public address {address}")
    return addresses[0]


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """`patterns` are host names, or `*.example.com` for any subdomain of example.com (not itself)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().strip().rstrip(".")
        if pattern == "*":
            return True
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def url_host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused(f"{parts.scheme or 'a URL without scheme'}: only http(s) URLs are called")
    try:
        port = parts.port
    except ValueError as error:
        raise DestinationRefused("the URL has an invalid port") from error
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


class PinnedAdapter(HTTPAdapter):
    """An HTTPAdapter that connects only to an address `address_for(host, port)` returned (and checked).

    The pool is keyed by that address, with the host name kept as TLS `server_hostname` (SNI) and
    `assert_hostname` (the certificate is verified for the name, not the IP) and sent as the Host header.
    """

    def __init__(self, address_for: Callable[[str, int], str], **kwargs):
        self.address_for = address_for
        super().__init__(**kwargs)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        host, port = url_host_port(request.url)
        address = self.address_for(host, port)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": host, "assert_hostname": host}
        return self.poolmanager.connection_from_host(
            **{**host_params, "host": address, "port": port}, pool_kwargs=pool_kwargs)

    def send(self, request, **kwargs):
        # The connection goes to an IP; the name the URL gave travels in Host, as it would have.
        netloc = urlsplit(request.url).netloc.rpartition("@")[2]
        request.headers["Host"] = netloc
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


def pinned_session(session, address_for: Callable[[str, int], str]):
    """Mount `PinnedAdapter` on `session` for http and https, and make it ignore proxy variables."""
    session.trust_env = False
    adapter = PinnedAdapter(address_for)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session

"""Where a vendor client may send requests (and with them the tenant's credentials).

A connection's base URL and token URL are typed by the tenant, so they are checked at every connection
(mlconnector/netguard.py does the address part):

- the host must be one of the vendor's own domains (`Vendor.allowed_hosts`, from each vendor's contract),
  or one an operator allowlisted for the tenant (`AllowedHost`, on the operators' site only);
- every address it resolves to must be public, and the connection goes to that checked address;
- loopback (the local sandbox) only where `SANDBOX_HOSTS_ALLOWED` is on: development and tests by default,
  never in production unless an operator turns it on.

The refusal text names the host and the rule, never the port or what is listening there: a closed
and an open port answer the same, so a connection test cannot be used as a port scanner.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from mlconnector.netguard import DestinationRefused, checked_address, host_is_loopback, host_matches, url_host_port

ANY_HOST = ("*",)
# How long a checked address is used again for its host (PinnedAdapter asks for every request, not only for a
# new connection). No weaker than resolving each time: the client only ever connects to addresses it checked,
# so a name that changes its answer (DNS rebinding) cannot move a connection; it spares a lookup per request.
CHECKED_FOR_SECONDS = 60.0


@dataclass(frozen=True)
class EgressPolicy:
    vendor_label: str
    allowed_hosts: tuple[str, ...] = ANY_HOST
    sandbox_allowed: bool = False
    _checked: dict = field(default_factory=dict, compare=False, repr=False)  # (host, port) → (address, until)

    @classmethod
    def from_settings(cls, *, vendor_label: str, allowed_hosts: tuple[str, ...] = ANY_HOST) -> "EgressPolicy":
        from django.conf import settings

        return cls(vendor_label=vendor_label, allowed_hosts=tuple(allowed_hosts),
                   sandbox_allowed=settings.SANDBOX_HOSTS_ALLOWED)

    def host_refusal(self, host: str) -> str | None:
        """Why `host` may not be called, judged by its name alone (no DNS); None if it may."""
        if host_is_loopback(host):
            return None if self.sandbox_allowed else (
                f"{host} is a local address; the local sandbox is not enabled on this server")
        if not host_matches(host, self.allowed_hosts):
            return (f"{host} is not a {self.vendor_label} host (allowed: {', '.join(self.allowed_hosts)}); "
                    "an operator can allow another host for your company")
        return None

    def url_refusal(self, url: str) -> str | None:
        """For forms and serializers: the same rule as at connection time, before anything is saved."""
        try:
            host, _ = url_host_port(url)
        except DestinationRefused as refused:
            return str(refused)
        return self.host_refusal(host)

    def address_for(self, host: str, port: int) -> str:
        """The checked address to connect to (PinnedAdapter calls this for every request)."""
        address, until = self._checked.get((host, port), (None, 0.0))
        if address is not None and time.monotonic() < until:
            return address
        refusal = self.host_refusal(host)
        if refusal:
            raise DestinationRefused(refusal)
        address = checked_address(host, port, allow_loopback=self.sandbox_allowed and host_is_loopback(host))
        self._checked[host, port] = (address, time.monotonic() + CHECKED_FOR_SECONDS)
        return address

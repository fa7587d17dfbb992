"""The client's address behind reverse proxies: X-Forwarded-For is believed only when the TCP
peer is one of the TRUSTED_PROXIES networks, so a forged header from anyone else changes
nothing (throttle keys, audit addresses)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Sequence[str]) -> list[Network]:
    """CIDRs (or single addresses) from a comma-separated text or a list; ValueError names a
    bad entry."""
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    networks: list[Network] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"not a network in CIDR form: {part!r}") from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str | None, proxies: Sequence[Network]) -> bool:
    ip = _address(address) if address else None
    return ip is not None and any(ip in network for network in proxies)


def client_ip(
    peer: str | None, forwarded_for: str | None, proxies: Sequence[Network]
) -> str | None:
    """The address a request came from: the TCP peer, unless the peer is a trusted proxy; then
    the right-most address of X-Forwarded-For that is not itself a trusted proxy (the left
    part of that header is whatever the client wrote and is never believed)."""
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        if _address(hop) is None:
            return peer  # a malformed hop: believe nothing the chain says
        if not _trusted(hop, proxies):
            return hop
    return hops[0] or peer

"""What the service keeps of a client's address: its network, never the address."""

from __future__ import annotations

import ipaddress


def truncate_ip(address: str) -> str:
    """Keep only the network: /24 for IPv4, /48 for IPv6. '' for anything unparsable."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))

"""Who is asking: the client a session belongs to, for limits that must hold across sessions (a script
opens a fresh Streamlit session for every try; an address it cannot change).

The address is the one the app's server saw (`st.context.ip_address`): the TCP peer, or, when that peer
is a trusted proxy, the address the proxy names in X-Forwarded-For. Trust is uvicorn's (the server of
`streamlit run app.py`): it believes X-Forwarded-For only from the addresses in the FORWARDED_ALLOW_IPS
environment variable (default: loopback), taking the rightmost address not in that list. Anyone else's
X-Forwarded-For is ignored, so a client cannot name itself. deploy/README.md says how to set it behind
the compose proxy or another one.

An IPv6 client is its /64 (one home or one machine's many addresses); an IPv4-mapped IPv6 address is the
IPv4 one. The loopback (Streamlit reports None) is one client, "local". The id is a hash of that (the
same on every replica, so a client's budget is one across them), so the stores keep no addresses.
"""

from __future__ import annotations

import hashlib
import ipaddress

LOCAL = "local"


def client_id(address: object) -> str:
    """The client an address belongs to, as a short opaque id (LOCAL for none)."""
    if not isinstance(address, str) or not address:
        return LOCAL                                    # (AppTest's stand-in context has no address)
    try:
        ip = ipaddress.ip_address(address.strip().split("%")[0])
    except ValueError:
        group = address.strip()[:64]                    # not an address (a unix socket): itself
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return LOCAL
        group = str(ip) if ip.version == 4 else str(ipaddress.IPv6Network((ip, 64), strict=False))
    return hashlib.blake2b(group.encode(), digest_size=8, person=b"scratchnet").hexdigest()


def current() -> str:
    """This session's client (Streamlit's page runs only)."""
    import streamlit as st

    return client_id(st.context.ip_address)

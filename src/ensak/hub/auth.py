"""The demo login for the local hub: one shared password, and only ever on this machine's loopback address."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NotLoopbackError(ValueError):
    """A demo login was asked to listen where other machines can reach it."""


def is_loopback(host: str | None) -> bool:
    """True only for addresses other machines cannot reach; an empty host means every interface."""
    if not host:
        return False
    host = host.strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(url_or_host: str, what: str) -> None:
    """Raise NotLoopbackError unless `url_or_host` (a URL like http://127.0.0.1:8000 or a bare host) is loopback."""
    host = urlparse(url_or_host).hostname if "://" in url_or_host else url_or_host
    if not is_loopback(host):
        shown = host or "alla nätverkskort"
        raise NotLoopbackError(
            f"Demoinloggningen vägrar starta: {what} lyssnar på {shown}, inte bara på den här datorn "
            "(127.0.0.1). Med ett gemensamt lösenord skulle vem som helst i nätverket kunna logga in som "
            "vilken deltagare som helst. Använd 127.0.0.1, eller en riktig inloggning enligt docs/hub.md."
        )


class LoopbackDemoAuthenticator(SharedPasswordAuthenticator):
    """SharedPasswordAuthenticator that refuses to start unless the hub and its proxy listen on loopback only.

    A shared password is fine for trying the course on one machine and unacceptable anywhere a
    colleague's browser could reach, so the check runs at startup, before anything listens.
    """

    def check_allow_config(self):
        super().check_allow_config()
        hub = self.parent
        if hub is None:
            raise NotLoopbackError("Demoinloggningen måste startas av JupyterHub.")
        require_loopback(hub.bind_url, "JupyterHub (bind_url)")
        require_loopback(hub.hub_bind_url or hub.hub_ip or "", "hubbens interna API (hub_bind_url)")

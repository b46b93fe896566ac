"""SAS tokens for Azure Relay, written from the protocol description (relay note section 2),
with nothing but the standard library: HMAC-SHA256 over URL-encoded resource URI + LF + expiry,
keyed with the UTF-8 bytes of the key string as the portal shows it."""

import base64
import hashlib
import hmac
import time
import urllib.parse


def relay_sas_token(resource_uri: str, key_name: str, key: str, ttl_seconds: int = 3600) -> str:
    expiry = str(int(time.time()) + ttl_seconds)
    encoded_uri = urllib.parse.quote(resource_uri, safe="")
    to_sign = f"{encoded_uri}\n{expiry}".encode("utf-8")
    digest = hmac.new(key.encode("utf-8"), to_sign, hashlib.sha256).digest()
    signature = urllib.parse.quote(base64.b64encode(digest).decode("ascii"), safe="")
    return f"SharedAccessSignature sr={encoded_uri}&sig={signature}&se={expiry}&skn={urllib.parse.quote(key_name, safe='')}"


def header(headers: dict, name: str):
    """Case-insensitive lookup in a relay header map."""
    lower = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == lower:
            return value
    return None

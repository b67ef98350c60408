"""What every response of the logout endpoint must look like."""

from __future__ import annotations

import re

from web import Response

SUCCESS_BODY = b'{"data":{"success":true}}'

SECURITY_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Expires": "0",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}

# The value deployments that opt into Clear-Site-Data use; the default sends none.
CLEAR_SITE_DATA = '"cookies", "storage"'
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
DEFAULT_CLEARED = {"sb-127-auth-token", "sb-access-token", "sb-refresh-token", "csrf_token"}


def assert_security_headers(resp: Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert resp.all(name) == [value], f"{name}: expected [{value!r}], got {resp.all(name)!r}"


def assert_success(resp: Response) -> None:
    assert resp.status == 200, resp
    assert resp.body == SUCCESS_BODY
    assert_security_headers(resp)


def assert_error(resp: Response, status: int, code: str | None) -> None:
    """The JSON error envelope with `code` (any snake_case code when None) and a non-empty message,
    and every security header."""
    assert resp.status == status, resp
    body = resp.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    if code is None:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"]), body
    else:
        assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"].strip()
    assert_security_headers(resp)


def assert_envelope_if_json(resp: Response) -> None:
    """For answers that nginx may give itself: a 4xx, and when the responder gave it, the envelope."""
    assert 400 <= resp.status < 500, resp
    if (resp.one("Content-Type") or "").startswith("application/json"):
        body = resp.json()
        assert set(body) == {"error"} and body["error"]["code"], body


def assert_cookies_untouched(resp: Response) -> None:
    assert resp.set_cookies == [], f"unexpected Set-Cookie for {[c.split('=')[0] for c in resp.set_cookies]}"
    assert resp.all("Clear-Site-Data") == []


def parse_set_cookie(line: str) -> tuple[str, str, dict[str, str | None]]:
    """(name, value, {attribute name lowercased: value or None}); attributes must not repeat."""
    first, *rest = [part.strip() for part in line.split(";")]
    name, _, value = first.partition("=")
    attributes: dict[str, str | None] = {}
    for part in rest:
        key, eq, val = part.partition("=")
        assert key.lower() not in attributes, f"attribute {key} repeated in Set-Cookie for {name}"
        attributes[key.lower()] = val if eq else None
    return name, value, attributes


def clearing_attributes(*, path="/", secure=True, samesite="Lax", domain=None) -> dict[str, str | None]:
    attributes = {"path": path, "max-age": "0", "expires": EPOCH, "httponly": None, "samesite": samesite}
    if secure:
        attributes["secure"] = None
    if domain:
        attributes["domain"] = domain
    return attributes


def cleared(resp: Response) -> dict[str, list[dict[str, str | None]]]:
    """Name -> attribute sets of each clearing Set-Cookie; every value must be empty."""
    out: dict[str, list[dict[str, str | None]]] = {}
    for line in resp.set_cookies:
        name, value, attributes = parse_set_cookie(line)
        assert value == "", f"Set-Cookie for {name} carries a value"
        out.setdefault(name, []).append(attributes)
    return out


def assert_cleared_exactly(resp: Response, names: set[str], *, clear_site_data: bool = False) -> None:
    """One default clearing Set-Cookie per name in `names`, nothing else."""
    by_name = cleared(resp)
    assert set(by_name) == names, f"cleared {sorted(by_name)}, expected {sorted(names)}"
    for name, attribute_sets in by_name.items():
        assert attribute_sets == [clearing_attributes()], f"{name}: {attribute_sets}"
    if clear_site_data:
        assert resp.all("Clear-Site-Data") == [CLEAR_SITE_DATA]
    else:
        assert resp.all("Clear-Site-Data") == []

"""Logout with `Authorization: Bearer`, as a mobile app or curl sends it."""

from __future__ import annotations

from expectations import (
    DEFAULT_CLEARED,
    assert_cleared_exactly,
    assert_cookies_untouched,
    assert_error,
    assert_success,
)
from web import logout


def test_success_revokes_session_and_clears_cookies(app, stub):
    session = stub.new_session()

    resp = logout(app.port, session["access_token"])

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    for line in resp.set_cookies:
        name = line.split("=", 1)[0]
        assert line == f"{name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax"
    assert session["session_id"] not in stub.live_sessions()
    assert stub.refresh(session["refresh_token"]) == 400


def test_upstream_request_is_what_supabase_expects(app, stub):
    session = stub.new_session()

    assert logout(app.port, session["access_token"]).status == 200

    [sent] = stub.logout_requests()
    assert sent["method"] == "POST"
    assert "scope=local" in sent["query"] or sent["query"] == ""
    assert sent["headers"]["apikey"] == stub.anon_key
    assert sent["headers"]["authorization"] == f"Bearer {session['access_token']}"
    assert sent["headers"]["x-supabase-api-version"] == "2024-01-01"


def test_repeated_logout_is_session_not_found_and_clears_cookies(app, stub):
    session = stub.new_session()
    assert logout(app.port, session["access_token"]).status == 200

    resp = logout(app.port, session["access_token"])

    assert_error(resp, 401, "session_not_found")
    assert_cleared_exactly(resp, DEFAULT_CLEARED)


def test_logout_after_user_deleted_is_401_and_clears_cookies(app, stub):
    session = stub.new_session()
    stub.delete_user(session["user_id"])

    resp = logout(app.port, session["access_token"])

    assert resp.status == 401, resp
    assert resp.error_code in {"session_not_found", "invalid_token"}
    assert_cleared_exactly(resp, DEFAULT_CLEARED)


def test_scope_local_ends_only_this_session(app, stub):
    this = stub.new_session()
    other = stub.new_session(user_id=this["user_id"])

    assert_success(logout(app.port, this["access_token"], scope="local"))

    assert stub.live_sessions(this["user_id"]) == {other["session_id"]}
    assert stub.logout_requests()[0]["query"] == "scope=local"


def test_scope_global_ends_every_session_of_the_user(app, stub):
    this = stub.new_session()
    stub.new_session(user_id=this["user_id"])
    bystander = stub.new_session()

    resp = logout(app.port, this["access_token"], scope="global")

    assert_success(resp)
    assert_cleared_exactly(resp, DEFAULT_CLEARED)
    assert stub.live_sessions(this["user_id"]) == set()
    assert bystander["session_id"] in stub.live_sessions()
    assert stub.logout_requests()[0]["query"] == "scope=global"


def test_scope_others_keeps_this_session_and_its_cookies(app, stub):
    this = stub.new_session()
    other = stub.new_session(user_id=this["user_id"])

    resp = logout(app.port, this["access_token"], scope="others")

    assert_success(resp)
    assert_cookies_untouched(resp)
    assert stub.live_sessions(this["user_id"]) == {this["session_id"]}
    assert stub.refresh(other["refresh_token"]) == 400
    assert stub.logout_requests()[0]["query"] == "scope=others"


def test_invalid_scope_is_400_before_anything_else(app, stub):
    session = stub.new_session()

    for resp in (logout(app.port, session["access_token"], scope="everything"), logout(app.port, None, scope="bogus")):
        assert_error(resp, 400, "invalid_scope")
        assert_cookies_untouched(resp)
    assert stub.logout_requests() == []
    assert session["session_id"] in stub.live_sessions()


def test_default_scope_comes_from_the_setting(start_deployment, stub):
    deployment = start_deployment("scope-global", LOGOUT_SCOPE="global")
    this = stub.new_session()
    stub.new_session(user_id=this["user_id"])

    assert_success(logout(deployment.port, this["access_token"]))

    assert stub.live_sessions(this["user_id"]) == set()
    assert stub.logout_requests()[0]["query"] == "scope=global"


def test_missing_token_is_401_and_touches_no_cookie(app, stub):
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Cookie": "theme=dark"}):
        resp = logout(app.port, None, headers=headers)
        assert_error(resp, 401, "missing_token")
        assert_cookies_untouched(resp)
    assert stub.requests_for_users() == []


def test_scope_among_other_query_parameters(app, stub):
    this = stub.new_session()
    stub.new_session(user_id=this["user_id"])

    resp = logout(app.port, this["access_token"], scope="global&utm_source=mail")

    assert_success(resp)
    assert stub.live_sessions(this["user_id"]) == set()

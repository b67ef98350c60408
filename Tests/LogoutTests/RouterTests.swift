import FastCGI
import Foundation
import GoTrueStubSupport
import Testing

@testable import Logout

/// The contract row by row, in memory through the router, with the real verifier and libcurl client
/// against the Supabase Auth stand-in.
@Suite("Logout endpoint", .serialized)
struct RouterTests {
    static let expiry = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    static let cleared = ["sb-access-token", "sb-refresh-token", "csrf_token", "sb-127-auth-token"]
    static let baseHeaders: [(String, String)] = [
        ("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store"), ("Pragma", "no-cache"),
        ("Expires", "0"), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"), ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ]

    func expectError(_ response: FastCGIResponse, _ status: Int, _ code: String, clears: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        let body = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: [String: String]]
        #expect(body?["error"]?["code"] == code, sourceLocation: sourceLocation)
        #expect(body?["error"]?["message"]?.isEmpty == false, sourceLocation: sourceLocation)
        expectBaseHeaders(response, sourceLocation: sourceLocation)
        if clears {
            expectCleared(response, sourceLocation: sourceLocation)
        } else {
            #expect(response.values(of: "Set-Cookie").isEmpty, sourceLocation: sourceLocation)
            #expect(response.value(of: "Clear-Site-Data") == nil, sourceLocation: sourceLocation)
        }
    }

    func expectBaseHeaders(_ response: FastCGIResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, value) in Self.baseHeaders {
            #expect(response.values(of: name) == [value], "\(name)", sourceLocation: sourceLocation)
        }
    }

    func expectCleared(_ response: FastCGIResponse, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = (Self.cleared + extra).map { "\($0)=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax" }
        #expect(response.values(of: "Set-Cookie") == expected, sourceLocation: sourceLocation)
        #expect(response.value(of: "Clear-Site-Data") == nil, "off by default", sourceLocation: sourceLocation)
    }

    // MARK: route, body, scope

    @Test func unknownPathIsNotFound() async throws {
        let harness = try await RouterHarness()
        expectError(await harness.send(path: "/api/auth/login"), 404, "not_found", clears: false)
    }

    @Test func otherMethodsAreNotAllowed() async throws {
        let harness = try await RouterHarness()
        for method in ["GET", "PUT", "DELETE", "OPTIONS"] {
            let response = await harness.send(method: method)
            expectError(response, 405, "method_not_allowed", clears: false)
            #expect(response.value(of: "Allow") == "POST")
        }
    }

    @Test func aBodyOverTheLimitIsRefusedFirst() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        let response = await harness.send(headers: ["Authorization": "Bearer \(session.accessToken)"], bodyTooLarge: true)
        expectError(response, 413, "payload_too_large", clears: false)
        #expect(try harness.upstreamLogouts(of: session.accessToken).isEmpty)
    }

    @Test func anUnknownScopeIsRefusedBeforeTheToken() async throws {
        let harness = try await RouterHarness()
        expectError(await harness.send(query: "scope=everything"), 400, "invalid_scope", clears: false)
        expectError(await harness.send(query: "scope="), 400, "invalid_scope", clears: false)
    }

    // MARK: token present

    @Test func noTokenIsMissingToken() async throws {
        let harness = try await RouterHarness()
        expectError(await harness.send(), 401, "missing_token", clears: false)
        expectError(await harness.send(headers: ["Authorization": "Basic dXNlcjpwYXNz"]), 401, "missing_token", clears: false)
        expectError(await harness.send(headers: ["Authorization": "Bearer  "]), 401, "missing_token", clears: false)
        expectError(await harness.send(headers: ["Cookie": "theme=dark"]), 401, "missing_token", clears: false)
    }

    // MARK: revocation

    @Test func bearerLogoutRevokesTheSessionAndClearsCookies() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        let other = try harness.stub.createSession(userID: session.userID)
        let response = await harness.send(
            headers: ["Authorization": "Bearer \(session.accessToken)"].merging(["X-Ignored": "1"]) { $1 })
        #expect(response.status == 200)
        #expect(response.body == #"{"data":{"success":true}}"#)
        expectBaseHeaders(response)
        expectCleared(response)
        let live = try harness.stub.liveSessions(userID: session.userID)
        #expect(live == [other.sessionID])
        #expect(try harness.stub.refresh(refreshToken: session.refreshToken) == 400)
        let sent = try #require(try harness.upstreamLogouts(of: session.accessToken).first)
        #expect(sent.query == "scope=local")
        #expect(sent.headers["apikey"] == harness.stub.anonKey)
        #expect(sent.headers["x-supabase-api-version"] == "2024-01-01")
    }

    @Test func theRequestIdReachesUpstream() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        var params = ["Authorization": "Bearer \(session.accessToken)"]
        params["Request-Id"] = "0123456789abcdef"  // arrives as HTTP_REQUEST_ID; the real param is REQUEST_ID
        let request = TestRequest(params: [
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/auth/logout", "HTTP_AUTHORIZATION": "Bearer \(session.accessToken)",
            "REQUEST_ID": "7f3c2b1a9e8d7c6b5a4f3e2d1c0b9a88",
        ])
        guard case .later(let deferred) = harness.router.respond(to: request) else {
            Issue.record("expected a deferred reply")
            return
        }
        #expect(await deferred.run().status == 200)
        let sent = try #require(try harness.upstreamLogouts(of: session.accessToken).first)
        #expect(sent.headers["x-request-id"] == "7f3c2b1a9e8d7c6b5a4f3e2d1c0b9a88")
    }

    @Test func scopeGlobalEndsEverySessionOfTheUser() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        _ = try harness.stub.createSession(userID: session.userID)
        let response = await harness.bearer(session.accessToken, query: "scope=global")
        #expect(response.status == 200)
        expectCleared(response)
        #expect(try harness.stub.liveSessions(userID: session.userID).isEmpty)
    }

    @Test func scopeOthersKeepsThisSessionAndItsCookies() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        _ = try harness.stub.createSession(userID: session.userID)
        let response = await harness.bearer(session.accessToken, query: "scope=others")
        #expect(response.status == 200)
        #expect(response.body == #"{"data":{"success":true}}"#)
        expectBaseHeaders(response)
        #expect(response.values(of: "Set-Cookie").isEmpty)
        #expect(response.value(of: "Clear-Site-Data") == nil)
        #expect(try harness.stub.liveSessions(userID: session.userID) == [session.sessionID])
    }

    @Test func theDefaultScopeComesFromTheSettings() async throws {
        let harness = try await RouterHarness(["LOGOUT_SCOPE": "global"])
        let session = try harness.stub.createSession()
        _ = try harness.stub.createSession(userID: session.userID)
        #expect(await harness.bearer(session.accessToken).status == 200)
        #expect(try harness.stub.liveSessions(userID: session.userID).isEmpty)
    }

    @Test func aRepeatedLogoutIsSessionNotFoundAndClears() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        #expect(await harness.bearer(session.accessToken).status == 200)
        expectError(await harness.bearer(session.accessToken), 401, "session_not_found", clears: true)
    }

    @Test func aDeletedUserIsSessionNotFound() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        try harness.stub.deleteUser(session.userID)
        expectError(await harness.bearer(session.accessToken), 401, "session_not_found", clears: true)
    }

    @Test func upstreamFailureKeepsCookies() async throws {
        let stub = try await StubFixture.offload { try GoTrueStub.start() }
        defer { stub.stop() }
        let harness = try await RouterHarness(stub: stub)
        let session = try stub.createSession()
        try stub.addFault(.status(500, times: 10))
        expectError(await harness.bearer(session.accessToken), 500, "session_invalidation_failed", clears: false)
        #expect(try harness.upstreamLogouts(of: session.accessToken).count == 3)
        #expect(try stub.liveSessions(userID: session.userID) == [session.sessionID])
    }

    @Test func transientUpstreamErrorsAreRetried() async throws {
        let stub = try await StubFixture.offload { try GoTrueStub.start() }
        defer { stub.stop() }
        let harness = try await RouterHarness(stub: stub)
        let session = try stub.createSession()
        try stub.addFault(.status(503, times: 2))
        let response = await harness.bearer(session.accessToken)
        #expect(response.status == 200)
        #expect(try harness.upstreamLogouts(of: session.accessToken).count == 3)
    }

    @Test func aRejectedAnonKeyIsOurConfigurationAndNotRetried() async throws {
        let harness = try await RouterHarness(["SUPABASE_ANON_KEY": "not-the-key"])
        let session = try harness.stub.createSession()
        expectError(await harness.bearer(session.accessToken), 500, "session_invalidation_failed", clears: false)
        #expect(try harness.upstreamLogouts(of: session.accessToken).count == 1)
    }

    @Test func anUpstreamPastTheDeadlineFailsWithinIt() async throws {
        let stub = try await StubFixture.offload { try GoTrueStub.start() }
        defer { stub.stop() }
        let harness = try await RouterHarness(["LOGOUT_UPSTREAM_TIMEOUT_MS": "300"], stub: stub)
        let session = try stub.createSession()
        try stub.addFault(.delay(ms: 2000, times: nil))
        let started = ContinuousClock.now
        expectError(await harness.bearer(session.accessToken), 500, "session_invalidation_failed", clears: false)
        #expect(ContinuousClock.now - started < .milliseconds(1500))
    }

    // MARK: token check

    @Test func aBadlySignedTokenIsInvalidAndNeverSent() async throws {
        let harness = try await RouterHarness()
        let forged = TestToken.hs256(secret: "another-secret-of-at-least-32-bytes!!", expiresAt: Date() + 3600)
        expectError(await harness.bearer(forged), 401, "invalid_token", clears: true)
        expectError(await harness.bearer("a.b.c"), 401, "invalid_token", clears: true)
        expectError(await harness.bearer("not-a-jwt"), 401, "invalid_token", clears: true)
        #expect(try harness.upstreamLogouts(of: forged).isEmpty)
    }

    @Test func anExpiredTokenIsTokenExpiredAndNeverSent() async throws {
        let harness = try await RouterHarness()
        let expired = TestToken.hs256(secret: harness.stub.jwtSecret, expiresAt: Date() - 120)
        expectError(await harness.bearer(expired), 401, "token_expired", clears: true)
        #expect(try harness.upstreamLogouts(of: expired).isEmpty)
    }

    @Test func theClockIsAParameter() async throws {
        let later = Date() + 7200
        let harness = try await RouterHarness(now: { later })
        let session = try harness.stub.createSession(expiresIn: 3600)
        expectError(await harness.bearer(session.accessToken), 401, "token_expired", clears: true)
        // Within the 30 s leeway the token still counts.
        let nearly = Date() + 3620
        let lenient = try await RouterHarness(now: { nearly })
        #expect(await lenient.bearer(session.accessToken).status == 200)
    }

    // MARK: cookies and CSRF

    @Test func cookieLogoutWithCSRFClearsEveryAuthCookie() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        let value = TestToken.sessionCookie(session.accessToken)
        let cut = value.index(value.startIndex, offsetBy: value.count / 2)
        let cookie = "sb-127-auth-token.0=\(value[..<cut]); sb-127-auth-token.1=\(value[cut...]); "
            + "sb-127-auth-token-code-verifier=v; csrf_token=c5rf; theme=dark"
        let response = await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "c5rf", "Origin": "http://localhost"])
        #expect(response.status == 200)
        expectCleared(response, extra: ["sb-127-auth-token-code-verifier", "sb-127-auth-token.0", "sb-127-auth-token.1"])
        #expect(try harness.stub.liveSessions(userID: session.userID).isEmpty)
    }

    @Test func legacyAccessTokenCookie() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        let response = await harness.send(headers: [
            "Cookie": "sb-access-token=\(session.accessToken); csrf_token=t0k", "X-CSRF-Token": "t0k",
        ])
        #expect(response.status == 200)
    }

    @Test func csrfFailuresChangeNothing() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        let cookie = "sb-127-auth-token=\(TestToken.sessionCookie(session.accessToken)); csrf_token=c5rf"
        expectError(await harness.send(headers: ["Cookie": cookie]), 403, "csrf_token_missing", clears: false)
        expectError(
            await harness.send(headers: ["Cookie": "sb-127-auth-token=\(TestToken.sessionCookie(session.accessToken))", "X-CSRF-Token": "c5rf"]),
            403, "csrf_token_missing", clears: false)
        expectError(await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "other"]), 403, "csrf_token_invalid", clears: false)
        #expect(try harness.upstreamLogouts(of: session.accessToken).isEmpty)
        #expect(try harness.stub.liveSessions(userID: session.userID) == [session.sessionID])
    }

    @Test func csrfIsCheckedBeforeTheToken() async throws {
        let harness = try await RouterHarness()
        let expired = TestToken.hs256(secret: harness.stub.jwtSecret, expiresAt: Date() - 3600)
        let cookie = "sb-127-auth-token=\(TestToken.sessionCookie(expired)); csrf_token=c5rf"
        expectError(await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "nope"]), 403, "csrf_token_invalid", clears: false)
        expectError(await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "c5rf"]), 401, "token_expired", clears: true)
    }

    @Test func anUnreadableSessionCookieIsAnInvalidToken() async throws {
        let harness = try await RouterHarness()
        let cookie = "sb-127-auth-token=base64-%%%; csrf_token=c5rf"
        let response = await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "c5rf"])
        expectError(response, 401, "invalid_token", clears: true)
    }

    @Test func crossSiteAndForeignOriginsAreRefusedBeforeCSRF() async throws {
        let harness = try await RouterHarness(["LOGOUT_ALLOWED_ORIGINS": "https://app.example.com"])
        let session = try harness.stub.createSession()
        let cookie = "sb-127-auth-token=\(TestToken.sessionCookie(session.accessToken)); csrf_token=c5rf"
        for extra in [["Origin": "null"], ["Sec-Fetch-Site": "cross-site"], ["Origin": "https://evil.example"]] {
            let headers = ["Cookie": cookie].merging(extra) { $1 }
            expectError(await harness.send(headers: headers), 403, "origin_not_allowed", clears: false)
        }
        let allowed = await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "c5rf", "Origin": "https://app.example.com"])
        #expect(allowed.status == 200)
        #expect(try harness.upstreamLogouts(of: session.accessToken).count == 1)
    }

    @Test func originRulesDoNotApplyToBearerRequests() async throws {
        let harness = try await RouterHarness(["LOGOUT_ALLOWED_ORIGINS": "https://app.example.com"])
        let session = try harness.stub.createSession()
        #expect(await harness.bearer(session.accessToken, extra: ["Origin": "null"]).status == 200)
    }

    @Test func signedCSRFTokensAreBoundToTheSession() async throws {
        let secret = "csrf-signing-secret-0123456789abcdef"
        let harness = try await RouterHarness(["LOGOUT_CSRF_SECRET": secret])
        let session = try harness.stub.createSession()
        let good = CSRFCheckTests.signed(sessionID: session.sessionID, nonce: "5eed", secret: secret)
        let foreign = CSRFCheckTests.signed(sessionID: UUID().uuidString.lowercased(), nonce: "5eed", secret: secret)
        let base = "sb-127-auth-token=\(TestToken.sessionCookie(session.accessToken))"
        expectError(
            await harness.send(headers: ["Cookie": "\(base); csrf_token=plain", "X-CSRF-Token": "plain"]),
            403, "csrf_token_invalid", clears: false)
        expectError(
            await harness.send(headers: ["Cookie": "\(base); csrf_token=\(foreign)", "X-CSRF-Token": foreign]),
            403, "csrf_token_invalid", clears: false)
        let response = await harness.send(headers: ["Cookie": "\(base); csrf_token=\(good)", "X-CSRF-Token": good])
        #expect(response.status == 200)
    }

    // MARK: headers

    @Test func clearSiteDataOnlyWhenConfiguredAndOnSecureRequests() async throws {
        let harness = try await RouterHarness(["LOGOUT_CLEAR_SITE_DATA": "\"cookies\", \"storage\""])
        let plain = try harness.stub.createSession()
        let onPlainHTTP = await harness.send(headers: ["Authorization": "Bearer \(plain.accessToken)"], host: "app.example.com")
        #expect(onPlainHTTP.status == 200)
        #expect(onPlainHTTP.value(of: "Clear-Site-Data") == nil)
        #expect(onPlainHTTP.values(of: "Set-Cookie").count == 4)

        let secure = try harness.stub.createSession()
        let request = TestRequest(params: [
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/auth/logout", "HTTP_HOST": "app.example.com", "HTTPS": "on",
            "HTTP_AUTHORIZATION": "Bearer \(secure.accessToken)",
        ])
        guard case .later(let deferred) = harness.router.respond(to: request) else {
            Issue.record("expected a deferred reply")
            return
        }
        #expect(await deferred.run().value(of: "Clear-Site-Data") == "\"cookies\", \"storage\"")
    }

    @Test func headerSettings() async throws {
        let harness = try await RouterHarness([
            "LOGOUT_HSTS": "", "LOGOUT_CLEAR_SITE_DATA": "\"cookies\"", "LOGOUT_COOKIE_SAMESITE": "Strict",
            "LOGOUT_COOKIE_DOMAIN": "example.com",
        ])
        let session = try harness.stub.createSession()
        let response = await harness.bearer(session.accessToken)
        #expect(response.value(of: "Strict-Transport-Security") == nil)
        #expect(response.value(of: "Clear-Site-Data") == "\"cookies\"")
        #expect(response.values(of: "Set-Cookie").count == 8)
        #expect(response.values(of: "Set-Cookie").first == "sb-access-token=; Domain=example.com; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Strict")
    }

    @Test func overloadedReplyKeepsCookies() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        let request = TestRequest(params: [
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/auth/logout", "HTTP_AUTHORIZATION": "Bearer \(session.accessToken)",
        ])
        guard case .later(let deferred) = harness.router.respond(to: request) else {
            Issue.record("expected a deferred reply")
            return
        }
        let overloaded = deferred.overloaded()
        expectError(overloaded, 503, "overloaded", clears: false)
        #expect(overloaded.value(of: "Retry-After") == "1")
        let samples = await harness.metricSamples()
        #expect(samples.contains(#"logout_http_requests_total{route="/api/auth/logout",status="503"} 1"#))
        #expect(samples.contains(#"logout_outcomes_total{code="overloaded"} 1"#))
    }

    // MARK: health and metrics

    @Test func healthNeverTouchesSupabase() async throws {
        let harness = try await RouterHarness()
        let before = try harness.stub.requests().count
        let response = await harness.send(method: "GET", path: "/healthz")
        #expect(response.status == 200)
        #expect(response.body == #"{"status":"ok"}"#)
        #expect(try harness.stub.requests().count == before)
        #expect(await harness.send(method: "POST", path: "/healthz").status == 405)
    }

    @Test func metricsCountRequestsByRouteAndOutcome() async throws {
        let harness = try await RouterHarness()
        let session = try harness.stub.createSession()
        _ = await harness.bearer(session.accessToken)
        _ = await harness.send()
        _ = await harness.send()
        _ = await harness.send(path: "/nope")
        let samples = await harness.metricSamples()
        #expect(samples.contains(#"logout_http_requests_total{route="/api/auth/logout",status="200"} 1"#))
        #expect(samples.contains(#"logout_http_requests_total{route="/api/auth/logout",status="401"} 2"#))
        #expect(samples.contains(#"logout_http_requests_total{route="unmatched",status="404"} 1"#))
        #expect(samples.contains(#"logout_outcomes_total{code="success"} 1"#))
        #expect(samples.contains(#"logout_outcomes_total{code="missing_token"} 2"#))
        #expect(samples.contains(#"logout_upstream_attempts_total 1"#))
        #expect(samples.contains(#"logout_build_info{version="test"} 1.0"#))
    }
}

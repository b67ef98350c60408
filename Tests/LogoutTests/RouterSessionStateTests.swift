import FastCGI
import Foundation
import GoTrueStubSupport
import Testing

@testable import Logout

/// A logout ends the session whatever state the browser's copy of it is in: expired, close to expiry,
/// held twice, or a banned user's; through the router, with the real verifier and libcurl client against
/// the Supabase Auth stand-in.
@Suite("Logout of sessions in every state", .serialized)
struct RouterSessionStateTests {
    /// A stand-in of its own: these tests inject faults and read the request log, which must not mix
    /// with other suites running at the same time.
    static let stub = SharedStub()

    func makeHarness(_ settings: [String: String] = [:]) async throws -> RouterHarness {
        try await RouterHarness(settings, stub: Self.stub.value)
    }

    func code(_ response: FastCGIResponse) -> String? {
        let body = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: [String: String]]
        return body?["error"]?["code"]
    }

    func clears(_ response: FastCGIResponse) -> Bool {
        response.values(of: "Set-Cookie").contains { $0.hasPrefix("sb-127-auth-token=;") }
    }

    @Test func anExpiredCookieSessionIsRefreshedThenRevoked() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.clearRequests()
        let response = await harness.cookieLogout([session])
        #expect(response.status == 200)
        #expect(response.body == #"{"data":{"success":true}}"#)
        #expect(clears(response))
        #expect(try harness.stub.liveSessions(userID: session.userID).isEmpty)
        let sent = try harness.stub.requests()
        #expect(sent.map(\.path) == ["/auth/v1/token", "/auth/v1/logout"])
        // The fresh tokens are used once: never in the answer.
        let fresh = try #require(sent.last?.headers["authorization"]).dropFirst("Bearer ".count)
        #expect(!response.body.contains(fresh) && !response.headers.contains { $0.value.contains(fresh) })
    }

    @Test func aTokenWithinTheRefreshMarginIsRefreshedFirst() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: 60)
        try harness.stub.clearRequests()
        #expect(await harness.cookieLogout([session]).status == 200)
        #expect(try harness.stub.requests().map(\.path) == ["/auth/v1/token", "/auth/v1/logout"])
    }

    @Test func aFreshCookieSessionIsRevokedWithoutARefresh() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: 3600)
        try harness.stub.clearRequests()
        #expect(await harness.cookieLogout([session]).status == 200)
        #expect(try harness.stub.requests().map(\.path) == ["/auth/v1/logout"])
    }

    @Test func anExpiredBearerTokenStaysTokenExpired() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.clearRequests()
        let response = await harness.bearer(session.accessToken)
        #expect(response.status == 401 && code(response) == "token_expired")
        #expect(try harness.stub.requests().isEmpty)
    }

    @Test func anExpiredCookieWithoutARefreshTokenIsTokenExpired() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.clearRequests()
        let response = await harness.cookieLogout([session], withRefreshTokens: false)
        #expect(response.status == 401 && code(response) == "token_expired" && clears(response))
        #expect(try harness.stub.requests().isEmpty)
    }

    @Test func anExpiredTokenMustStillBeSignedRight() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        let forged = TestToken.hs256(secret: "another-secret-of-thirty-two-bytes-or-more", sessionID: session.sessionID, expiresAt: Date() - 3600)
        try harness.stub.clearRequests()
        let cookie = "sb-127-auth-token=\(TestToken.sessionCookie(forged, refreshToken: session.refreshToken)); csrf_token=c"
        let response = await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "c"])
        #expect(response.status == 401 && code(response) == "invalid_token" && clears(response))
        #expect(try harness.stub.requests().isEmpty)
    }

    @Test func aMalformedRefreshTokenIsAnInvalidTokenAndNeverSent() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.clearRequests()
        let cookie = "sb-127-auth-token=\(TestToken.sessionCookie(session.accessToken, refreshToken: "has space")); csrf_token=c"
        let response = await harness.send(headers: ["Cookie": cookie, "X-CSRF-Token": "c"])
        #expect(response.status == 401 && code(response) == "invalid_token" && clears(response))
        #expect(try harness.stub.requests().isEmpty)
    }

    @Test func aRefreshTokenAlreadyUsedIsSessionNotFoundAndClears() async throws {
        let harness = try await makeHarness()
        try harness.stub.setRefresh(reuseInterval: 0)
        defer { try? harness.stub.setRefresh() }
        let session = try harness.stub.createSession(expiresIn: -3600)
        #expect(try harness.stub.refresh(refreshToken: session.refreshToken) == 200)
        try await Task.sleep(for: .milliseconds(20))
        let response = await harness.cookieLogout([session])
        #expect(response.status == 401 && code(response) == "session_not_found" && clears(response))
    }

    @Test func aFailingRefreshKeepsTheCookies() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.addFault(.statusOn(path: "token", status: 503, times: 3))
        defer { try? harness.stub.clearFaults() }
        let response = await harness.cookieLogout([session])
        #expect(response.status == 500 && code(response) == "session_invalidation_failed")
        #expect(response.values(of: "Set-Cookie").isEmpty)
        #expect(try harness.stub.liveSessions(userID: session.userID) == [session.sessionID])
    }

    @Test func aRateLimitedRefreshAnswersRetryAfterAndKeepsTheCookies() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.addFault(.statusOn(path: "token", status: 429, retryAfter: 90, times: 1))
        defer { try? harness.stub.clearFaults() }
        let response = await harness.cookieLogout([session])
        #expect(response.status == 500 && code(response) == "session_invalidation_failed")
        #expect(response.values(of: "Retry-After") == ["90"])
        #expect(response.values(of: "Set-Cookie").isEmpty)
        let samples = await harness.metricSamples()
        #expect(samples.contains(#"logout_revocations_total{outcome="rate_limited"} 1"#))
        #expect(samples.contains(#"logout_upstream_failures_total{reason="rate_limited"} 1"#))
    }

    @Test func aBannedUsersSessionIsClearedAsSessionNotFound() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession()
        try harness.stub.banUser(session.userID)
        let response = await harness.bearer(session.accessToken)
        #expect(response.status == 401 && code(response) == "session_not_found" && clears(response))
        #expect(try harness.stub.liveSessions(userID: session.userID) == [session.sessionID], "nothing can end it while the ban lasts")
    }

    @Test func everySessionInSameNamedCookiesIsEnded() async throws {
        let harness = try await makeHarness()
        let stale = try harness.stub.createSession()
        #expect(try harness.stub.logout(accessToken: stale.accessToken) == 204)
        let live = try harness.stub.createSession()
        let expired = try harness.stub.createSession(expiresIn: -3600)
        let response = await harness.cookieLogout([stale, live, expired])
        #expect(response.status == 200)
        #expect(clears(response))
        #expect(response.values(of: "Set-Cookie").filter { $0.hasPrefix("sb-127-auth-token=;") }.count == 1, "cleared once")
        #expect(try harness.stub.liveSessions(userID: live.userID).isEmpty)
        #expect(try harness.stub.liveSessions(userID: expired.userID).isEmpty)
        let samples = await harness.metricSamples()
        #expect(samples.contains(#"logout_revocations_total{outcome="revoked"} 1"#))
        #expect(samples.contains(#"logout_revocations_total{outcome="refreshed"} 1"#))
        #expect(samples.contains(#"logout_revocations_total{outcome="session_dead"} 1"#))
    }

    @Test func twoCopiesOfOneSessionAreEndedOnce() async throws {
        let harness = try await makeHarness()
        let session = try harness.stub.createSession()
        try harness.stub.clearRequests()
        #expect(await harness.cookieLogout([session, session]).status == 200)
        #expect(try harness.stub.requests().map(\.path) == ["/auth/v1/logout"])
    }

    @Test func whenEverySessionIsAlreadyGoneTheFirstOnesAnswerClears() async throws {
        let harness = try await makeHarness()
        let first = try harness.stub.createSession()
        let second = try harness.stub.createSession()
        for session in [first, second] { #expect(try harness.stub.logout(accessToken: session.accessToken) == 204) }
        let response = await harness.cookieLogout([first, second])
        #expect(response.status == 401 && code(response) == "session_not_found" && clears(response))
    }

    @Test func aLiveSessionThatCannotBeEndedKeepsEveryCookie() async throws {
        let harness = try await makeHarness()
        let gone = try harness.stub.createSession()
        #expect(try harness.stub.logout(accessToken: gone.accessToken) == 204)
        let live = try harness.stub.createSession(expiresIn: -3600)
        try harness.stub.addFault(.statusOn(path: "token", status: 503, times: 3))
        defer { try? harness.stub.clearFaults() }
        let response = await harness.cookieLogout([gone, live])
        #expect(response.status == 500 && code(response) == "session_invalidation_failed")
        #expect(response.values(of: "Set-Cookie").isEmpty)
    }

    @Test func aSignedCSRFTokenBoundToAnyOfTheSessionsIsValid() async throws {
        let secret = "csrf-signing-secret-0123456789abcdef"
        let harness = try await makeHarness(["LOGOUT_CSRF_SECRET": secret])
        let first = try harness.stub.createSession()
        let second = try harness.stub.createSession()
        let bound = CSRFCheckTests.signed(sessionID: second.sessionID, nonce: "5eed", secret: secret)
        let cookie = [first, second].map { "sb-127-auth-token=\(TestToken.sessionCookie($0.accessToken))" }.joined(separator: "; ")
        let response = await harness.send(headers: ["Cookie": "\(cookie); csrf_token=\(bound)", "X-CSRF-Token": bound])
        #expect(response.status == 200)
        #expect(try harness.stub.liveSessions(userID: first.userID).isEmpty)
        #expect(try harness.stub.liveSessions(userID: second.userID).isEmpty)
    }
}

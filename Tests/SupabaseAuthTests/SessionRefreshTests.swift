import Foundation
import GoTrueStubSupport
@testable import SupabaseAuth
import Testing

/// Ending a session whose access token expired: the refresh-token grant, then the logout with the fresh
/// token, against the Supabase Auth stand-in over real sockets.
@Suite("Refresh, then revoke", .serialized)
struct SessionRefreshTests {
    static let fixture = SharedStubFixture()

    func end(
        _ fixture: StubFixture, _ session: StubSession, accessToken: String? = nil, refreshToken: String? = nil,
        refreshFirst: Bool = true, timeout: Duration = .seconds(15)
    ) async -> RevocationOutcome {
        let client = fixture.client(timeout: timeout)
        return await client.endSession(
            SessionCredentials(
                accessToken: accessToken ?? session.accessToken, refreshToken: refreshToken ?? session.refreshToken,
                refreshFirst: refreshFirst),
            scope: .local, requestID: "req-7", deadline: .now + timeout)
    }

    func requests(_ fixture: StubFixture) async throws -> [StubRequest] {
        try await fixture.admin { try $0.requests() }
    }

    @Test func anExpiredSessionIsRefreshedThenRevokedWithTheFreshToken() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            let outcome = await end(fixture, session)
            #expect(outcome.result == .revoked)
            #expect(outcome.refreshed)
            #expect(outcome.attempts == 2)
            #expect(try await fixture.liveSessions(userID: session.userID).isEmpty)

            let sent = try await requests(fixture)
            #expect(sent.map(\.path) == ["/auth/v1/token", "/auth/v1/logout"])
            let token = sent[0]
            #expect(token.method == "POST")
            #expect(token.query == "grant_type=refresh_token")
            #expect(token.headers["apikey"] == fixture.stub.anonKey)
            #expect(token.headers["content-type"] == "application/json")
            #expect(token.headers["x-supabase-api-version"] == "2024-01-01")
            #expect(token.headers["x-request-id"] == "req-7")
            #expect(token.headers["user-agent"] == StubFixture.userAgent)
            #expect(token.headers["authorization"] == nil)
            let body = try JSONSerialization.jsonObject(with: Data(token.body.utf8)) as? [String: String]
            #expect(body == ["refresh_token": session.refreshToken])
            let logout = sent[1]
            #expect(logout.query == "scope=local")
            let fresh = logout.headers["authorization"]
            #expect(fresh != nil && fresh != "Bearer " + session.accessToken, "the logout carries the fresh token")
        }
    }

    @Test func aTokenSupabaseRefusesAsExpiredIsRefreshedOnce() async throws {
        try await Self.fixture.reset { fixture in
            // Expired 10 s ago: inside the local leeway, refused upstream as bad_jwt.
            let session = try await fixture.createSession(expiresIn: -10)
            let outcome = await end(fixture, session, refreshFirst: false)
            #expect(outcome.result == .revoked)
            #expect(outcome.refreshed)
            #expect(outcome.attempts == 3)
            #expect(try await requests(fixture).map(\.path) == ["/auth/v1/logout", "/auth/v1/token", "/auth/v1/logout"])
            #expect(try await fixture.liveSessions(userID: session.userID).isEmpty)
        }
    }

    @Test func badJWTWithoutARefreshTokenIsTheEnd() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -10)
            let outcome = await fixture.client().revoke(accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.tokenExpired))
            #expect(!outcome.refreshed)
            #expect(try await requests(fixture).map(\.path) == ["/auth/v1/logout"])
        }
    }

    @Test func aRefreshTokenAlreadyGoneMeansNothingIsLeftToEnd() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            #expect(try await fixture.admin { try $0.logout(accessToken: try $0.createSession(userID: session.userID).accessToken, scope: "global") } == 204)
            let outcome = await end(fixture, session)
            #expect(outcome.result == .sessionDead(.sessionNotFound))
            #expect(outcome.upstreamStatus == 400)
            #expect(outcome.upstreamErrorCode == "refresh_token_not_found")
            #expect(try await requests(fixture).filter { $0.path == "/auth/v1/logout" }.count == 1, "only the setup's logout")
        }
    }

    @Test func aReusedRefreshTokenIsAlreadyUsed() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.admin { try $0.setRefresh(reuseInterval: 0) }
            #expect(try await fixture.admin { try $0.refresh(refreshToken: session.refreshToken) } == 200)
            try await Task.sleep(for: .milliseconds(20))
            let outcome = await end(fixture, session)
            #expect(outcome.result == .sessionDead(.sessionNotFound))
            #expect(outcome.upstreamErrorCode == "refresh_token_already_used")
        }
    }

    @Test(arguments: ["session_not_found", "session_expired", "user_banned", "refresh_token_not_found"])
    func eachRefusalOfTheRefreshEndsAsSessionNotFound(code: String) async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.addFault(.statusOn(path: "token", status: 400, code: code, times: 1))
            let outcome = await end(fixture, session)
            #expect(outcome.result == .sessionDead(.sessionNotFound))
            #expect(outcome.upstreamErrorCode == code)
            #expect(outcome.attempts == 1)
        }
    }

    @Test func validationFailedIsAnInvalidToken() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.addFault(.statusOn(path: "token", status: 400, code: "validation_failed", times: 1))
            #expect(await end(fixture, session).result == .sessionDead(.invalidToken))
        }
    }

    @Test func aBannedUsersRefreshIsRefused() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.admin { try $0.banUser(session.userID) }
            let outcome = await end(fixture, session)
            #expect(outcome.result == .sessionDead(.sessionNotFound))
            #expect(outcome.upstreamErrorCode == "user_banned")
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func aBannedUsersLogoutIsSessionNotFound() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession()
            try await fixture.admin { try $0.banUser(session.userID) }
            let outcome = await fixture.client().revoke(accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.sessionNotFound))
            #expect(outcome.upstreamStatus == 403)
            #expect(outcome.upstreamErrorCode == "user_banned")
        }
    }

    @Test func aFailingRefreshIsRetriedThenKeepsTheSession() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.addFault(.statusOn(path: "token", status: 503, times: 10))
            let outcome = await end(fixture, session)
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.attempts == RevocationClient.maxAttempts)
            #expect(outcome.retries == RevocationClient.maxAttempts - 1)
            #expect(try await requests(fixture).allSatisfy { $0.path == "/auth/v1/token" })
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func aRefreshRetriedOnceThenRevoked() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.addFault(.statusOn(path: "token", status: 500, times: 1))
            let outcome = await end(fixture, session)
            #expect(outcome.result == .revoked)
            #expect(outcome.attempts == 3)
            #expect(outcome.retries == 1)
        }
    }

    @Test func aRateLimitedRefreshBucketPassesItsRetryAfterOn() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.admin { try $0.setRefresh(bucketBurst: 0, retryAfter: 120) }
            let outcome = await end(fixture, session, timeout: .seconds(3))
            #expect(outcome.result == .failed(.rateLimited))
            #expect(outcome.retryAfterSeconds == 120)
            #expect(outcome.attempts == 1)
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func aRateLimitWithAShortRetryAfterIsWaitedOut() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            try await fixture.addFault(.statusOn(path: "token", status: 429, retryAfter: 1, times: 1))
            let started = ContinuousClock.now
            let outcome = await end(fixture, session, timeout: .seconds(10))
            #expect(outcome.result == .revoked)
            #expect(ContinuousClock.now - started >= .seconds(1))
        }
    }

    @Test(arguments: ["", "has space", "quote\"d", "back\\slash", "semi;colon", "com,ma", "tab\tbed", "naïve",
        String(repeating: "a", count: 1025)])
    func aMalformedRefreshTokenIsInvalidAndNeverSent(refreshToken: String) async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            let outcome = await end(fixture, session, refreshToken: refreshToken)
            #expect(outcome.result == .sessionDead(.invalidToken))
            #expect(outcome.attempts == 0)
            #expect(try await requests(fixture).isEmpty)
        }
    }

    @Test func theLongestAcceptedRefreshTokenIsSent() {
        #expect(SessionCredentials.isWellFormedRefreshToken(String(repeating: "a", count: 1024)))
        #expect(SessionCredentials.isWellFormedRefreshToken("v1.M2Y0ZTg3-_~!#$%&*+/=?^`|"))
    }

    @Test func bothCallsShareOneDeadline() async throws {
        try await Self.fixture.reset { fixture in
            let session = try await fixture.createSession(expiresIn: -600)
            // Each call alone fits the deadline with a second to spare (so a loaded machine does not decide it);
            // both do not. A logout given a deadline of its own would succeed at 4 s.
            try await fixture.addFault(.delay(ms: 2_000, times: nil))
            let started = ContinuousClock.now
            let outcome = await end(fixture, session, timeout: .seconds(3))
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.refreshed, "the refresh made it in time; the logout did not")
            #expect(ContinuousClock.now - started < .milliseconds(4_500))
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func theRefreshAnswersAccessTokenIsRead() {
        let body = Array(#"{"access_token":"a.b.c","user":{"identities":[{"x":[1,2,{"y":null}]}]},"refresh_token":"r"}"#.utf8)
        #expect(RefreshAnswer.accessToken(in: body) == "a.b.c")
        #expect(RefreshAnswer.accessToken(in: Array(#"{"token_type":"bearer"}"#.utf8)) == nil)
        #expect(RefreshAnswer.accessToken(in: Array("not json".utf8)) == nil)
    }
}

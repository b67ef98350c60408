import GoTrueStubSupport
import SupabaseAuth
import Testing

/// The revocation client against the Supabase Auth stand-in, over real sockets and real libcurl.
@Suite("RevocationClient")
struct RevocationClientTests {
    // MARK: success

    @Test func revokesTheSessionUpstream() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .revoked)
            #expect(outcome.attempts == 1)
            #expect(outcome.upstreamStatus == 204)
            #expect(outcome.upstreamErrorCode == nil)
            #expect(try await fixture.liveSessions(userID: session.userID).isEmpty)
            #expect(try await fixture.admin { try $0.refresh(refreshToken: session.refreshToken) } == 400)
        }
    }

    @Test func sendsWhatSupabaseAuthExpects() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            _ = await fixture.client().revoke(accessToken: session.accessToken, scope: .global, requestID: "req-42")
            let requests = try await fixture.logoutRequests()
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == "POST")
            #expect(request.query == "scope=global")
            let carriesToken = request.headers["authorization"] == "Bearer " + session.accessToken
            #expect(carriesToken, "Authorization carries the session's bearer token")
            let carriesKey = request.headers["apikey"] == fixture.stub.anonKey
            #expect(carriesKey, "apikey carries the configured key")
            #expect(request.headers["x-supabase-api-version"] == "2024-01-01")
            #expect(request.headers["x-request-id"] == "req-42")
            #expect(request.headers["user-agent"] == StubFixture.userAgent)
            #expect(request.headers["content-length"] == "0")
            #expect(request.headers["content-type"] == nil)
        }
    }

    @Test func leavesOutTheRequestIDWhenThereIsNone() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            _ = await fixture.client().revoke(accessToken: session.accessToken, scope: .local, requestID: nil)
            let request = try #require(try await fixture.logoutRequests().first)
            #expect(request.headers["x-request-id"] == nil)
        }
    }

    @Test(arguments: RevocationScope.allCases)
    func endsTheSessionsTheScopeNames(scope: RevocationScope) async throws {
        try await StubFixture.with { fixture in
            let this = try await fixture.createSession()
            let other = try await fixture.createSession(userID: this.userID)
            let outcome = await fixture.client().revoke(accessToken: this.accessToken, scope: scope, requestID: nil)
            #expect(outcome.result == .revoked)
            #expect(try await fixture.logoutRequests().map(\.query) == ["scope=\(scope.rawValue)"])
            let alive = Set(try await fixture.liveSessions(userID: this.userID))
            switch scope {
            case .local: #expect(alive == [other.sessionID])
            case .global: #expect(alive.isEmpty)
            case .others: #expect(alive == [this.sessionID])
            }
        }
    }

    @Test func ignoresTrailingSlashesOfTheProjectURL() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            let outcome = await fixture.client(url: fixture.stub.url + "//").revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .revoked)
            #expect(try await fixture.logoutRequests().map(\.path) == ["/auth/v1/logout"])
        }
    }

    // MARK: dead sessions

    @Test func aRepeatedLogoutFindsNoSession() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            let client = fixture.client()
            _ = await client.revoke(accessToken: session.accessToken, scope: .local, requestID: nil)
            let again = await client.revoke(accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(again.result == .sessionDead(.sessionNotFound))
            #expect(again.attempts == 1)
            #expect(again.upstreamStatus == 403)
            #expect(again.upstreamErrorCode == "session_not_found")
        }
    }

    @Test func aDeletedUserHasNoSession() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.admin { try $0.deleteUser(session.userID) }
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.sessionNotFound))
            #expect(outcome.upstreamErrorCode == "user_not_found")
            #expect(outcome.attempts == 1)
        }
    }

    @Test func anExpiredTokenIsReportedAsExpired() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession(expiresIn: -120)
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.tokenExpired))
            #expect(outcome.upstreamStatus == 403)
            #expect(outcome.upstreamErrorCode == "bad_jwt")
            #expect(outcome.attempts == 1)
        }
    }

    @Test func aBadlySignedTokenIsInvalid() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            var parts = session.accessToken.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            try #require(parts.count == 3)
            parts[2] = String(repeating: "A", count: 43)
            let outcome = await fixture.client().revoke(
                accessToken: parts.joined(separator: "."), scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.invalidToken))
            #expect(outcome.upstreamStatus == 403)
            #expect(outcome.upstreamErrorCode == "bad_jwt")
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func aTokenWhoseSubjectIsNoUUIDIsInvalid() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession(userID: "not-a-uuid")
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.invalidToken))
            #expect(outcome.upstreamStatus == 400)
        }
    }

    @Test(arguments: ["", "line\r\nbreak"])
    func aTokenThatCannotBeSentIsInvalidWithoutAnyRequest(token: String) async throws {
        try await StubFixture.with { fixture in
            let outcome = await fixture.client().revoke(accessToken: token, scope: .local, requestID: nil)
            #expect(outcome.result == .sessionDead(.invalidToken))
            #expect(outcome.attempts == 0)
            let requests = try await fixture.logoutRequests()
            #expect(requests.isEmpty)
        }
    }

    // MARK: our configuration

    @Test func aWrongAnonKeyIsAConfigurationErrorAndNotRetried() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            let outcome = await fixture.client(anonKey: "wrong-key").revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .failed(.rejectedConfiguration))
            #expect(outcome.attempts == 1)
            #expect(outcome.upstreamStatus == 401)
            #expect(outcome.upstreamErrorCode == nil)
            #expect(try await fixture.logoutRequests().count == 1)
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    // MARK: retries

    @Test func retriesServiceUnavailableUntilItSucceeds() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.status(503, times: 2))
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .revoked)
            #expect(outcome.attempts == 3)
            #expect(outcome.upstreamStatus == 204)
            #expect(try await fixture.liveSessions(userID: session.userID).isEmpty)
        }
    }

    @Test func givesUpAfterThreeServerErrors() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.status(500, times: 10))
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.attempts == 3)
            #expect(outcome.upstreamStatus == 500)
            #expect(outcome.upstreamErrorCode == "unexpected_failure")
            #expect(try await fixture.logoutRequests().count == 3)
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func retriesARateLimitWhoseRetryAfterFitsTheDeadline() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.statusOn(path: "logout", status: 429, retryAfter: 1, times: 1))
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .revoked)
            #expect(outcome.attempts == 2)
        }
    }

    @Test func aRateLimitWithoutRetryAfterIsNotRetriedWithinTheDeadline() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.status(429, times: 10))
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .failed(.rateLimited))
            #expect(outcome.attempts == 1)
            #expect(outcome.retryAfterSeconds == 30)
            #expect(outcome.upstreamStatus == 429)
            #expect(outcome.upstreamErrorCode == "over_request_rate_limit")
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func aRateLimitAskingForMoreThanTheDeadlineLeftPassesItsRetryAfterOn() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.statusOn(path: "logout", status: 429, retryAfter: 20, times: 1))
            let outcome = await fixture.client(timeout: .seconds(5)).revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .failed(.rateLimited))
            #expect(outcome.attempts == 1)
            #expect(outcome.retryAfterSeconds == 20)
        }
    }

    @Test func retriesAResetConnection() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.reset(times: 1))
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .revoked)
            #expect(outcome.attempts == 2)
            #expect(try await fixture.liveSessions(userID: session.userID).isEmpty)
        }
    }

    @Test func aRefusingUpstreamIsUnavailable() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.refuse)
            let outcome = await fixture.client().revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.attempts == 3)
            #expect(outcome.upstreamStatus == nil)
            try await fixture.admin { try $0.clearFaults() }
            #expect(try await fixture.liveSessions(userID: session.userID) == [session.sessionID])
        }
    }

    @Test func aClosedPortIsUnavailable() async throws {
        try await StubFixture.with { fixture in
            let closedURL = try await StubFixture.offload {
                let gone = try GoTrueStub.start()
                defer { gone.stop() }
                return gone.url
            }
            let outcome = await fixture.client(url: closedURL).revoke(
                accessToken: "header.payload.signature", scope: .local, requestID: nil)
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.attempts == 3)
            #expect(outcome.upstreamStatus == nil)
        }
    }

    // MARK: the deadline

    @Test func aSlowUpstreamIsCutOffAtTheDeadline() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            try await fixture.addFault(.delay(ms: 10_000, times: nil))
            let deadline = Duration.milliseconds(500)
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = await fixture.client(timeout: deadline).revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            let elapsed = clock.now - started
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.upstreamStatus == nil)
            #expect(outcome.attempts == 1)
            // Generous margin: only a client that ignored its deadline would come near it.
            #expect(elapsed < deadline + .seconds(2))
            #expect(outcome.duration <= elapsed)
        }
    }

    @Test func aRetryGetsOnlyTheTimeThatIsLeft() async throws {
        try await StubFixture.with { fixture in
            let session = try await fixture.createSession()
            // The first attempt spends half the deadline before its 503; the retry then stalls. Given
            // only what is left it ends at the deadline (4 s); given a deadline of its own, at 6 s or later.
            // The margins are wide because every suite starts at once beside this one on a small machine.
            try await fixture.addFault(.status(503, times: 1, afterMs: 2_000))
            try await fixture.addFault(.delay(ms: 10_000, times: nil))
            let deadline = Duration.seconds(4)
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = await fixture.client(timeout: deadline).revoke(
                accessToken: session.accessToken, scope: .local, requestID: nil)
            let elapsed = clock.now - started
            #expect(outcome.result == .failed(.unavailable))
            #expect(outcome.attempts == 2)
            #expect(outcome.upstreamStatus == nil)
            #expect(elapsed > deadline - .milliseconds(100))
            #expect(elapsed < deadline + .milliseconds(1_500))
        }
    }
}

import FastCGI
import Foundation
import Logging
import Prometheus
import SupabaseAuth
import Synchronization
import Testing

@testable import Logout

/// The handler behind the router with fakes of its verifier and revoker: what each verdict and each
/// revocation outcome answers, and that nothing reaches upstream once the token is refused.
@Suite("Logout handler with fakes")
struct LogoutHandlerTests {
    /// Answers every token with the same verdict.
    struct FakeVerifier: AccessTokenVerifying {
        let verdict: Result<SessionClaims, TokenRejection>
        func verify(_ token: String, now: Date, checkingExpiry: Bool) async -> Result<SessionClaims, TokenRejection> {
            verdict
        }
    }

    /// Records each revocation asked for and answers with the same result.
    final class FakeRevoker: SessionRevoking {
        struct Call: Equatable {
            let token: String
            let scope: RevocationScope
            let requestID: String?
        }

        let result: RevocationOutcome.Result
        let calls = Mutex<[Call]>([])

        init(_ result: RevocationOutcome.Result) { self.result = result }

        func endSession(
            _ session: SessionCredentials, scope: RevocationScope, requestID: String?, deadline: ContinuousClock.Instant
        ) async -> RevocationOutcome {
            calls.withLock { $0.append(Call(token: session.accessToken, scope: scope, requestID: requestID)) }
            var outcome = RevocationOutcome(result: result, attempts: 1, upstreamStatus: 200, duration: .milliseconds(1))
            if result == .failed(.rateLimited) { outcome.retryAfterSeconds = 42 }
            return outcome
        }

        var recorded: [Call] { calls.withLock { $0 } }
    }

    static let claims = SessionClaims(subject: "user-1", sessionID: "session-1", expiresAt: Date(timeIntervalSinceNow: 3600))
    static let token = "header.payload.signature"

    func respond(
        verdict: Result<SessionClaims, TokenRejection> = .success(claims), revoker: FakeRevoker, query: String = ""
    ) async throws -> FastCGIResponse {
        let configuration = try LogoutConfiguration.load(
            from: SettingsSource(environment: [
                "SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY": "anon-key",
                "SUPABASE_JWT_SECRET": "a-secret-of-at-least-thirty-two-bytes-0123",
            ]))
        let handler = LogoutHandler(
            configuration: configuration, verifier: FakeVerifier(verdict: verdict), revoker: revoker)
        let router = Router(
            logout: handler, metrics: LogoutMetrics(registry: PrometheusCollectorRegistry(), version: "test"),
            logger: Logger(label: "handler-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
        let request = TestRequest(params: [
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/auth/logout", "QUERY_STRING": query,
            "HTTP_AUTHORIZATION": "Bearer \(Self.token)", "HTTP_HOST": "localhost", "REQUEST_ID": "req-1",
            "HTTP_COOKIE": "sb-abcd-auth-token=base64-x",
        ])
        switch router.respond(to: request) {
        case .now(let response): return response
        case .later(let deferred): return await deferred.run()
        }
    }

    func errorCode(_ response: FastCGIResponse) -> String? {
        let body = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: [String: String]]
        return body?["error"]?["code"]
    }

    @Test func aVerifiedTokenIsRevokedWithTheRequestsScopeAndId() async throws {
        let revoker = FakeRevoker(.revoked)
        let response = try await respond(revoker: revoker, query: "scope=global")
        #expect(response.status == 200)
        #expect(response.body == #"{"data":{"success":true}}"#)
        #expect(response.values(of: "Set-Cookie").contains { $0.hasPrefix("sb-abcd-auth-token=;") })
        #expect(revoker.recorded == [.init(token: Self.token, scope: .global, requestID: "req-1")])
    }

    @Test func scopeOthersKeepsThisSessionsCookies() async throws {
        let revoker = FakeRevoker(.revoked)
        let response = try await respond(revoker: revoker, query: "scope=others")
        #expect(response.status == 200)
        #expect(response.values(of: "Set-Cookie").isEmpty)
        #expect(revoker.recorded.map(\.scope) == [.others])
    }

    @Test(arguments: [(TokenRejection.expired, 401, "token_expired", true), (.invalid, 401, "invalid_token", true),
        (.keysUnavailable, 500, "session_invalidation_failed", false)])
    func aRefusedTokenNeverReachesUpstream(rejection: TokenRejection, status: Int, code: String, clears: Bool) async throws {
        let revoker = FakeRevoker(.revoked)
        let response = try await respond(verdict: .failure(rejection), revoker: revoker)
        #expect(response.status == status)
        #expect(errorCode(response) == code)
        #expect(response.values(of: "Set-Cookie").isEmpty == !clears)
        #expect(revoker.recorded.isEmpty)
    }

    @Test(arguments: [
        (RevocationOutcome.Result.sessionDead(.sessionNotFound), 401, "session_not_found", true),
        (.sessionDead(.tokenExpired), 401, "token_expired", true), (.sessionDead(.invalidToken), 401, "invalid_token", true),
        (.failed(.unavailable), 500, "session_invalidation_failed", false),
        (.failed(.rejectedConfiguration), 500, "session_invalidation_failed", false),
        (.failed(.rateLimited), 500, "session_invalidation_failed", false),
    ])
    func eachRevocationOutcomeHasItsAnswer(result: RevocationOutcome.Result, status: Int, code: String, clears: Bool)
        async throws
    {
        let response = try await respond(revoker: FakeRevoker(result))
        #expect(response.status == status)
        #expect(errorCode(response) == code)
        #expect(response.values(of: "Set-Cookie").isEmpty == !clears)
        #expect(response.values(of: "Retry-After") == (result == .failed(.rateLimited) ? ["42"] : []))
    }

    @Test func aTokenWhoseIssuerIsNotKnownYetIsRetriedLaterWithCookiesKept() async throws {
        let revoker = FakeRevoker(.revoked)
        let response = try await respond(verdict: .failure(.issuerNotKnownYet), revoker: revoker)
        #expect(response.status == 500)
        #expect(errorCode(response) == "session_invalidation_failed")
        #expect(response.values(of: "Set-Cookie").isEmpty)
        #expect(revoker.recorded.isEmpty)
    }
}

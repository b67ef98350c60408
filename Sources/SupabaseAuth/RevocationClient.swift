import HTTPClient
import HTTPHeaders
import Logging

/// Revokes Supabase sessions: `POST $SUPABASE_URL/auth/v1/logout?scope=…` with the user's access token.
///
/// One deadline covers the whole call, retries and backoff included. Connection failures, timeouts, resets,
/// `429` and `5xx` are retried (at most `maxAttempts` attempts, jittered exponential backoff); every other
/// answer is final. Tokens and response bodies never reach a log line or the outcome.
public final class RevocationClient: Sendable {
    /// Attempts per revocation, the first included.
    public static let maxAttempts = 3
    /// Sent as `X-Supabase-Api-Version`, selecting GoTrue's current error shape.
    public static let apiVersion = "2024-01-01"

    private let http: HTTPClient
    private let logoutURL: String
    private let anonKey: String
    private let timeout: Duration
    private let userAgent: String
    private let logger: Logger
    private let backoff = RevocationBackoff()

    /// - Parameters:
    ///   - supabaseURL: the project URL, e.g. `https://abcd.supabase.co`; trailing slashes are ignored.
    ///   - anonKey: the anon or publishable key, sent as `apikey`.
    ///   - timeout: the deadline of one `revoke` call, every attempt and wait included.
    public init(
        http: HTTPClient, supabaseURL: String, anonKey: String, timeout: Duration, userAgent: String,
        logger: Logger
    ) {
        var base = Substring(supabaseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        self.http = http
        self.logoutURL = base + "/auth/v1/logout"
        self.anonKey = anonKey
        self.timeout = timeout
        self.userAgent = userAgent
        self.logger = logger
    }

    /// Asks Supabase Auth to end the sessions `scope` names for this access token.
    ///
    /// - Parameter requestID: sent as `X-Request-Id` when given (and free of CR, LF and NUL), so upstream logs
    ///   can be matched.
    /// - Returns: the outcome after every attempt; never throws. An empty token, or one that cannot travel in a
    ///   header (CR, LF or NUL in it), is `.sessionDead(.invalidToken)` after zero attempts.
    public func revoke(accessToken: String, scope: RevocationScope, requestID: String?) async -> RevocationOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + timeout
        let request = logoutRequest(accessToken: accessToken, scope: scope, requestID: requestID)
        var logger = self.logger
        logger[metadataKey: "supabase.scope"] = "\(scope.rawValue)"
        if let requestID { logger[metadataKey: "request.id"] = "\(requestID)" }

        var attempts = 0
        var lastStatus: Int?
        var lastErrorCode: String?
        func outcome(_ result: RevocationOutcome.Result) -> RevocationOutcome {
            RevocationOutcome(
                result: result, attempts: attempts, upstreamStatus: lastStatus, upstreamErrorCode: lastErrorCode,
                duration: clock.now - start)
        }

        guard HTTPHeader("Authorization", accessToken).isWellFormed, !accessToken.isEmpty else {
            return outcome(.sessionDead(.invalidToken))
        }
        attemptLoop: while attempts < Self.maxAttempts {
            let remaining = deadline - clock.now
            guard remaining >= .milliseconds(1) else { break }
            attempts += 1
            let verdict: AttemptVerdict
            switch await http.send(request, timeout: remaining) {
            case .success(let response):
                lastStatus = response.status
                lastErrorCode = Self.errorCode(of: response)
                verdict = Self.verdict(status: response.status, errorCode: lastErrorCode, body: response.body)
                logger.debug(
                    "Supabase Auth answered the logout",
                    metadata: [
                        "supabase.attempt": "\(attempts)", "http.status": "\(response.status)",
                        "supabase.error_code": "\(lastErrorCode ?? "-")",
                    ])
            case .failure(let error):
                lastStatus = nil
                lastErrorCode = nil
                verdict = Self.verdict(for: error)
                logger.debug(
                    "Logout request to Supabase Auth failed",
                    metadata: ["supabase.attempt": "\(attempts)", "http.error": "\(error)"])
            }
            switch verdict {
            case .final(let result):
                // A refusal of our own request (.rejectedConfiguration) is reported by the caller's
                // request log line, at error level, with the status and code kept in the outcome.
                return outcome(result)
            case .giveUp:
                return outcome(.failed(.unavailable))
            case .retry:
                guard attempts < Self.maxAttempts else { break attemptLoop }
                let wait = backoff.delay(afterAttempt: attempts)
                guard clock.now + wait < deadline else { break attemptLoop }
                do { try await Task.sleep(for: wait) } catch { return outcome(.failed(.unavailable)) }
            }
        }
        return outcome(.failed(.unavailable))
    }

    private func logoutRequest(accessToken: String, scope: RevocationScope, requestID: String?) -> HTTPRequest {
        var headers = [
            HTTPHeader("apikey", anonKey),
            HTTPHeader("Authorization", "Bearer \(accessToken)"),
            HTTPHeader("X-Supabase-Api-Version", Self.apiVersion),
            HTTPHeader("User-Agent", userAgent),
            HTTPHeader("Accept", "application/json"),
        ]
        if let requestID, HTTPHeader("X-Request-Id", requestID).isWellFormed {
            headers.append(HTTPHeader("X-Request-Id", requestID))
        }
        return HTTPRequest(method: "POST", url: "\(logoutURL)?scope=\(scope.rawValue)", headers: headers, body: [])
    }
}

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

    let http: HTTPClient
    private let logoutURL: String
    private let anonKey: String
    private let timeout: Duration
    private let userAgent: String
    private let logger: Logger
    let backoff = RevocationBackoff()

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
        var progress = RevocationProgress(timeout: timeout)
        guard HTTPHeader("Authorization", accessToken).isWellFormed, !accessToken.isEmpty else {
            return progress.outcome(.sessionDead(.invalidToken))
        }
        let request = logoutRequest(accessToken: accessToken, scope: scope, requestID: requestID)
        var logger = self.logger
        logger[metadataKey: "supabase.scope"] = "\(scope.rawValue)"
        if let requestID { logger[metadataKey: "request.id"] = "\(requestID)" }

        while progress.attempts < Self.maxAttempts, let remaining = progress.remaining {
            progress.attempts += 1
            switch await attempt(request, timeout: remaining, progress: &progress, logger: logger) {
            case .final(let result):
                // A refusal of our own request (.rejectedConfiguration) is reported by the caller's
                // request log line, at error level, with the status and code kept in the outcome.
                return progress.outcome(result)
            case .giveUp:
                return progress.outcome(.failed(.unavailable))
            case .retry:
                guard await waitBeforeRetry(progress) else { return progress.outcome(.failed(.unavailable)) }
            }
        }
        return progress.outcome(.failed(.unavailable))
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

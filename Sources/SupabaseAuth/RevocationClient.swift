import HTTPClient
import HTTPHeaders
import Logging

/// Revokes Supabase sessions: `POST $SUPABASE_URL/auth/v1/logout?scope=…` with the user's access token,
/// after `POST $SUPABASE_URL/auth/v1/token?grant_type=refresh_token` when that token is expired (as
/// supabase-js `signOut()` does). The fresh tokens are used once and dropped.
///
/// One deadline covers the whole call, both endpoints, retries and backoff included. Connection failures,
/// timeouts, resets and `5xx` are retried (at most `maxAttempts` attempts per endpoint, jittered exponential
/// backoff); a `429` only when its `Retry-After` fits before the deadline; every other answer is final.
/// Tokens and response bodies never reach a log line or the outcome.
public final class RevocationClient: Sendable {
    /// Attempts per revocation, the first included.
    public static let maxAttempts = 3
    /// Sent as `X-Supabase-Api-Version`, selecting GoTrue's current error shape.
    public static let apiVersion = "2024-01-01"
    /// The wait a `429` without `Retry-After` asks for, in seconds.
    public static let defaultRetryAfterSeconds = 30

    let http: HTTPClient
    private let logoutURL: String
    let tokenURL: String
    let anonKey: String
    /// The deadline of one session's ending.
    public let timeout: Duration
    let userAgent: String
    let logger: Logger
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
        self.tokenURL = base + "/auth/v1/token?grant_type=refresh_token"
        self.anonKey = anonKey
        self.timeout = timeout
        self.userAgent = userAgent
        self.logger = logger
    }

    /// Asks Supabase Auth to end the sessions `scope` names for this access token, within ``timeout``.
    public func revoke(accessToken: String, scope: RevocationScope, requestID: String?) async -> RevocationOutcome {
        await endSession(
            SessionCredentials(accessToken: accessToken), scope: scope, requestID: requestID, deadline: .now + timeout)
    }

    /// Ends one session before `deadline`: refreshes first when `session.refreshFirst` says so, and once
    /// more when Supabase Auth refuses the access token (`403 bad_jwt`) of a session that holds a
    /// refresh token.
    ///
    /// - Parameter requestID: sent as `X-Request-Id` when given (and free of CR, LF and NUL), so upstream logs
    ///   can be matched.
    /// - Returns: the outcome after every attempt; never throws. An empty token, or one that cannot travel in a
    ///   header (CR, LF or NUL in it), is `.sessionDead(.invalidToken)` after zero attempts, and so is a
    ///   refresh token about to be used that is not ``SessionCredentials/isWellFormedRefreshToken(_:)``.
    public func endSession(
        _ session: SessionCredentials, scope: RevocationScope, requestID: String?, deadline: ContinuousClock.Instant
    ) async -> RevocationOutcome {
        var progress = RevocationProgress(deadline: deadline)
        guard HTTPHeader("Authorization", session.accessToken).isWellFormed, !session.accessToken.isEmpty else {
            return progress.outcome(.sessionDead(.invalidToken))
        }
        var logger = self.logger
        logger[metadataKey: "supabase.scope"] = "\(scope.rawValue)"
        if let requestID { logger[metadataKey: "request.id"] = "\(requestID)" }

        var accessToken = session.accessToken
        if session.refreshFirst {
            switch await freshAccessToken(session.refreshToken, requestID: requestID, progress: &progress, logger: logger) {
            case .success(let fresh): accessToken = fresh
            case .failure(let ended): return progress.outcome(ended.result)
            }
        }
        var result = await logout(accessToken, scope: scope, requestID: requestID, progress: &progress, logger: logger)
        // Supabase Auth's word for an expired token is bad_jwt: with a refresh token, that is not the end.
        if !progress.refreshed, session.refreshToken != nil, progress.lastStatus == 403, progress.lastErrorCode == "bad_jwt" {
            switch await freshAccessToken(session.refreshToken, requestID: requestID, progress: &progress, logger: logger) {
            case .success(let fresh):
                result = await logout(fresh, scope: scope, requestID: requestID, progress: &progress, logger: logger)
            case .failure(let ended):
                result = ended.result
            }
        }
        return progress.outcome(result)
    }

    private func logout(
        _ accessToken: String, scope: RevocationScope, requestID: String?, progress: inout RevocationProgress,
        logger: Logger
    ) async -> RevocationOutcome.Result {
        let request = logoutRequest(accessToken: accessToken, scope: scope, requestID: requestID)
        let end = await call(request, named: "logout", progress: &progress, logger: logger) {
            Self.verdict(status: $0, errorCode: $1, body: $2)
        }
        switch end {
        case .answered(_, let result):
            if progress.lastErrorCode == "user_banned" {
                logger.warning("Supabase Auth refused the logout: the user is banned; the session cannot be ended while the ban lasts")
            }
            // A refusal of our own request (.rejectedConfiguration) is reported by the caller's
            // request log line, at error level, with the status and code kept in the outcome.
            return result
        case .unanswered(let result):
            return result
        }
    }

    func commonHeaders(requestID: String?) -> [HTTPHeader] {
        var headers = [
            HTTPHeader("apikey", anonKey),
            HTTPHeader("X-Supabase-Api-Version", Self.apiVersion),
            HTTPHeader("User-Agent", userAgent),
            HTTPHeader("Accept", "application/json"),
        ]
        if let requestID, HTTPHeader("X-Request-Id", requestID).isWellFormed {
            headers.append(HTTPHeader("X-Request-Id", requestID))
        }
        return headers
    }

    private func logoutRequest(accessToken: String, scope: RevocationScope, requestID: String?) -> HTTPRequest {
        var headers = commonHeaders(requestID: requestID)
        headers.insert(HTTPHeader("Authorization", "Bearer \(accessToken)"), at: 1)
        return HTTPRequest(method: "POST", url: "\(logoutURL)?scope=\(scope.rawValue)", headers: headers, body: [])
    }
}

import HTTPClient

/// What one revocation came to, after every attempt, with what a log line and a metric need.
public struct RevocationOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        /// Supabase Auth answered 2xx.
        case revoked
        /// Supabase Auth says the session cannot be used any more (401/403/404 with a known code).
        case sessionDead(DeadSession)
        /// The session may still be alive: the client must keep its cookies and may retry.
        case failed(RevocationFailure)
    }

    public enum DeadSession: String, Sendable, Equatable {
        /// `session_not_found`, `user_not_found` or `user_banned`; or a refresh token Supabase Auth no longer takes.
        case sessionNotFound = "session_not_found"
        /// `bad_jwt` or `no_authorization` whose message says the token expired.
        case tokenExpired = "token_expired"
        /// `bad_jwt` or `no_authorization`.
        case invalidToken = "invalid_token"
    }

    public enum RevocationFailure: String, Sendable, Equatable, CaseIterable {
        /// 5xx, timeout, refused or reset, after the bounded retries.
        case unavailable
        /// `429` whose `Retry-After` does not fit before the deadline.
        case rateLimited = "rate_limited"
        /// Any other 4xx, such as the gateway's "Invalid API key": our configuration is wrong. Not retried.
        case rejectedConfiguration = "rejected_configuration"
        /// Supabase Auth's certificate did not verify (or the trusted authorities could not be loaded): nothing
        /// was sent. Not retried: no certificate fixes itself within the deadline.
        case tls
    }

    public var result: Result
    /// HTTP attempts made, `/token` and `/logout` together; 0 when the token could not be sent at all.
    public var attempts: Int
    /// The last HTTP status Supabase Auth answered, nil when the last attempt got no answer.
    public var upstreamStatus: Int?
    /// The last error code Supabase Auth gave (`x-sb-error-code`, `code` or `error_code`), if any.
    public var upstreamErrorCode: String?
    /// Wall time of the whole revocation, retries and backoff included.
    public var duration: Duration
    /// Why the last attempt got no HTTP answer (a timeout, a reset, a TLS failure, ...); nil when it got one.
    public var transferError: HTTPClientError?
    /// Attempts that repeated a failed one of the same call.
    public var retries = 0
    /// The session was revoked, or refused, with a fresh access token from its refresh token.
    public var refreshed = false
    /// With ``RevocationFailure/rateLimited``: how many seconds the client should wait (Supabase's
    /// `Retry-After`, else 30).
    public var retryAfterSeconds: Int?

    public init(
        result: Result, attempts: Int, upstreamStatus: Int?, upstreamErrorCode: String? = nil, duration: Duration,
        transferError: HTTPClientError? = nil
    ) {
        self.result = result
        self.attempts = attempts
        self.upstreamStatus = upstreamStatus
        self.upstreamErrorCode = upstreamErrorCode
        self.duration = duration
        self.transferError = transferError
    }
}

import FoundationEssentials
import Logging

extension TokenVerifier {
    /// Where the keys come from, what a token must carry, and the hooks the verifier reports through.
    public struct Configuration: Sendable {
        /// The HS256 secret, at least ``TokenVerifier/minimumHMACSecretBytes`` bytes; nil: HS256 tokens are refused.
        public var hmacSecret: String?
        /// Where the ES256/RS256 keys come from; nil: asymmetric tokens are refused.
        public var jwks: JWKSSource?
        /// Which `iss` a token must carry; a discovered one is fetched at start (a failure is logged, not
        /// thrown) and then on the JWKS's schedule.
        public var issuer: IssuerRule
        /// The audience a token's `aud` (a string or an array) must name; nil: not checked.
        public var audience: String?
        /// How long past `exp` a token is still accepted, for clock skew.
        public var leeway: Duration
        /// The least time between two refetches triggered by unknown `kid`s.
        public var jwksRefetchInterval: Duration
        /// For JWKS loads (info/warning) and rejection reasons (debug); never logs a token or key.
        public var logger: Logger
        /// Called after every JWKS load attempt (start, refetch, reload) with whether it succeeded, for metrics.
        public var onJWKSLoad: (@Sendable (_ succeeded: Bool) -> Void)?
        /// The clock the refresh schedule reads.
        public var now: @Sendable () -> Date
        /// How the scheduled refresh waits for its next fetch (cancellable).
        public var sleep: @Sendable (Duration) async throws -> Void

        public init(
            hmacSecret: String?,
            jwks: JWKSSource?,
            issuer: IssuerRule = .unchecked,
            audience: String? = nil,
            leeway: Duration = .seconds(30),
            jwksRefetchInterval: Duration = .seconds(60),
            logger: Logger,
            onJWKSLoad: (@Sendable (_ succeeded: Bool) -> Void)? = nil,
            now: @escaping @Sendable () -> Date = Date.init,
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        ) {
            self.hmacSecret = hmacSecret
            self.jwks = jwks
            self.issuer = issuer
            self.audience = audience
            self.leeway = leeway
            self.jwksRefetchInterval = jwksRefetchInterval
            self.logger = logger
            self.onJWKSLoad = onJWKSLoad
            self.now = now
            self.sleep = sleep
        }
    }
}

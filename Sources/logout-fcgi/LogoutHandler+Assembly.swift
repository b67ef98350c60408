import HTTPClient
import Logging
import Logout
import SupabaseAuth

extension LogoutHandler {
    /// The handler with its token verifier and revocation client, built from `configuration`; the
    /// libcurl client is shared, so rebuilding on reload keeps its connections.
    static func assemble(
        _ configuration: LogoutConfiguration, http: HTTPClient, metrics: LogoutMetrics, logger: Logger
    ) async throws(StartupFailure) -> LogoutHandler {
        let jwks = jwksSource(configuration, http: http)
        let issuer = issuerRule(configuration, http: http)
        let verifier: TokenVerifier
        do {
            verifier = try await TokenVerifier(configuration: .init(
                hmacSecret: configuration.jwtSecret, jwks: jwks, issuer: issuer,
                audience: configuration.jwtAudience, logger: logger,
                onJWKSLoad: { metrics.recordJWKSFetch(succeeded: $0) }))
        } catch let error as TokenVerifierError {
            throw .configuration(ConfigurationError(verifierError: error))
        } catch {
            throw .configuration(ConfigurationError(setting: "SUPABASE_JWKS_FILE", problem: "\(error)"))
        }
        let revoker = RevocationClient(
            http: http, supabaseURL: configuration.supabaseURL, anonKey: configuration.anonKey,
            timeout: configuration.upstreamTimeout, userAgent: Version.userAgent, logger: logger)
        return LogoutHandler(configuration: configuration, verifier: verifier, revoker: revoker)
    }

    /// Where the token keys come from: `SUPABASE_JWKS_FILE`, else the JWKS URL; nil when turned off.
    /// `check` loads the same source.
    static func jwksSource(_ configuration: LogoutConfiguration, http: HTTPClient) -> JWKSSource? {
        if let file = configuration.jwksFile { return .file(path: file) }
        if let url = configuration.jwksURL {
            return .fetched(from: url, apiKey: configuration.anonKey, http: http, timeout: configuration.upstreamTimeout)
        }
        return nil
    }

    /// How a token's `iss` is checked: `LOGOUT_JWT_ISSUER`, not at all, or against the issuer Supabase
    /// Auth's openid-configuration names. `check` uses the same rule.
    static func issuerRule(_ configuration: LogoutConfiguration, http: HTTPClient) -> IssuerRule {
        switch configuration.jwtIssuer {
        case .fixed(let value): .fixed(value)
        case .unchecked: .unchecked
        case .discovered:
            .discovered(
                supabaseURL: configuration.supabaseURL, apiKey: configuration.anonKey, http: http,
                timeout: configuration.upstreamTimeout)
        }
    }
}

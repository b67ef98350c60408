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
        var jwks: JWKSSource?
        if let file = configuration.jwksFile {
            jwks = .file(path: file)
        } else if let url = configuration.jwksURL {
            jwks = .fetched(from: url, apiKey: configuration.anonKey, http: http, timeout: configuration.upstreamTimeout)
        }
        let issuer: IssuerRule
        switch configuration.jwtIssuer {
        case .fixed(let value): issuer = .fixed(value)
        case .unchecked: issuer = .unchecked
        case .discovered:
            issuer = .discovered(
                supabaseURL: configuration.supabaseURL, apiKey: configuration.anonKey, http: http,
                timeout: configuration.upstreamTimeout)
        }
        let verifier: TokenVerifier
        do {
            verifier = try await TokenVerifier(
                hmacSecret: configuration.jwtSecret, jwks: jwks, issuer: issuer,
                audience: configuration.jwtAudience, logger: logger,
                onJWKSLoad: { metrics.recordJWKSFetch(succeeded: $0) })
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
}

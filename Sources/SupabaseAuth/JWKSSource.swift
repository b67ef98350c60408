import Foundation

/// Where the verifier gets the JSON Web Key Set for ES256/RS256 access tokens.
public enum JWKSSource: Sendable {
    /// A JWKS JSON file, read at start and on ``TokenVerifier/reload()``.
    case file(path: String)
    /// A JWKS fetched by the closure (for example over HTTPS from
    /// `$SUPABASE_URL/auth/v1/.well-known/jwks.json`), at start, on ``TokenVerifier/reload()``,
    /// and again when a token names an unknown `kid`.
    ///
    /// The closure should bound its own run time and body size: a token that names an unknown
    /// `kid` waits for it.
    case url(fetch: @Sendable () async throws -> [UInt8])

    /// Whether a token naming an unknown `kid` may trigger a fetch.
    var refetchesOnUnknownKeyID: Bool {
        switch self {
        case .file: false
        case .url: true
        }
    }

    /// The JWKS document's bytes.
    func load() async throws -> [UInt8] {
        switch self {
        case .file(let path):
            do {
                return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw TokenVerifierError.jwksUnreadable(source: "file \(path)")
            }
        case .url(let fetch):
            do {
                return try await fetch()
            } catch {
                throw TokenVerifierError.jwksUnreadable(source: "url (\(error))")
            }
        }
    }

    /// Names the source in log lines.
    var logDescription: String {
        switch self {
        case .file(let path): "file \(path)"
        case .url: "url"
        }
    }
}

import FoundationEssentials

/// Where the verifier gets the JSON Web Key Set for ES256/RS256 access tokens.
public enum JWKSSource: Sendable {
    /// A JWKS JSON file, read at start and on ``TokenVerifier/reload()``.
    case file(path: String)
    /// A JWKS fetched by the closure (for example over HTTPS from
    /// `$SUPABASE_URL/auth/v1/.well-known/jwks.json`): at start, when the `max-age` of its last answer
    /// has passed, on ``TokenVerifier/reload()``, and when a token names an unknown `kid`.
    ///
    /// The closure should bound its own run time and body size: a token that names an unknown
    /// `kid` waits for it. It throws for anything but a successful answer.
    case url(fetch: @Sendable () async throws -> JWKSAnswer)

    /// The JWKS document and its lifetime (nil for a file: it is read again only on reload).
    func load() async throws -> JWKSAnswer {
        switch self {
        case .file(let path):
            do {
                return JWKSAnswer(document: try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), maxAge: nil)
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

    var isFetched: Bool {
        switch self {
        case .file: false
        case .url: true
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

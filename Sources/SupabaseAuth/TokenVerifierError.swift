/// Why a ``TokenVerifier`` could not be set up, or a JWKS could not be loaded.
///
/// Descriptions name the failing setting or source, never a key or secret.
public enum TokenVerifierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither an HMAC secret nor a JWKS source was given: no token could ever be accepted.
    case noKeysConfigured
    /// The HMAC secret is shorter than ``TokenVerifier/minimumHMACSecretBytes`` bytes.
    case hmacSecretTooShort(minimumBytes: Int)
    /// The JWKS file could not be read, or the fetch failed.
    case jwksUnreadable(source: String)
    /// The JWKS document is not a JSON object with a `keys` array.
    case jwksMalformed
    /// The JWKS holds no signing key with a `kid` that the verifier can use.
    case jwksHasNoUsableKeys

    public var description: String {
        switch self {
        case .noKeysConfigured:
            "no token key configured: set an HMAC secret, a JWKS file or a JWKS URL"
        case .hmacSecretTooShort(let minimumBytes):
            "the HMAC secret must be at least \(minimumBytes) bytes"
        case .jwksUnreadable(let source):
            "cannot load the JWKS from \(source)"
        case .jwksMalformed:
            "the JWKS is not a JSON object with a \"keys\" array"
        case .jwksHasNoUsableKeys:
            "the JWKS holds no usable signing key with a kid"
        }
    }
}

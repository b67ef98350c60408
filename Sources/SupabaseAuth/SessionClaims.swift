import FoundationEssentials

/// The claims of a verified Supabase access token that a logout needs.
public struct SessionClaims: Sendable, Equatable {
    /// `sub`: the user id.
    public var subject: String
    /// `session_id`: the session the token belongs to.
    public var sessionID: String
    /// `exp`.
    public var expiresAt: Date

    public init(subject: String, sessionID: String, expiresAt: Date) {
        self.subject = subject
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}

/// Why a token was refused locally, before any network call.
public enum TokenRejection: Error, Sendable, Equatable {
    /// Malformed, badly signed, an algorithm the configured keys do not allow, or `sub`/`session_id` missing.
    case invalid
    /// `exp` is past, beyond the leeway.
    case expired
    /// The token names a key that cannot be looked up because the JWKS cannot be fetched: this says
    /// nothing about the token, and a later attempt may succeed.
    case keysUnavailable
    /// The issuer is not known yet (the openid-configuration has not answered) and the token's `iss`
    /// is not the project's own: a later attempt may succeed.
    case issuerNotKnownYet
}

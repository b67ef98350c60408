import JWTKit

/// The claims of a Supabase access token that a logout reads; every other claim
/// (`amr`, `app_metadata`, `user_metadata`, `role`, …) is ignored.
///
/// Each field is optional so that a missing claim is told apart from a malformed one;
/// a claim present with the wrong JSON type fails decoding.
struct SupabaseAccessTokenPayload: JWTPayload {
    var subject: String?
    var sessionID: String?
    /// `exp` in seconds since 1970; a fractional value is allowed.
    var expiresAt: Double?
    var issuer: String?
    /// `aud`: one string or an array of them.
    var audience: AudienceClaim?

    enum CodingKeys: String, CodingKey {
        case subject = "sub"
        case sessionID = "session_id"
        case expiresAt = "exp"
        case issuer = "iss"
        case audience = "aud"
    }

    // Claims are checked by TokenVerifier against the caller's clock, not here.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

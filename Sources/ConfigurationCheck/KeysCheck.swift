import SupabaseAuth

/// `keys`: the JWKS in use, loaded as the verifier loads it, and the HS256 secret beside it.
///
/// A usable key source is a JWKS signing key or the HS256 secret: a project on its legacy secret
/// publishes an empty JWKS, and its tokens verify with the secret alone.
public enum KeysCheck {
    /// - Parameters:
    ///   - jwks: the source a start would use; nil when the JWKS is turned off.
    ///   - fromFile: true when it is `SUPABASE_JWKS_FILE` (a failure is then a bad setting).
    ///   - hmacSecretSet: whether `SUPABASE_JWT_SECRET` is set (its length is the settings check's).
    public static func run(jwks: JWKSSource?, fromFile: Bool, hmacSecretSet: Bool) async -> CheckResult {
        let secret = hmacSecretSet ? "HS256 secret set" : "no HS256 secret"
        guard let jwks else {
            return hmacSecretSet
                ? .ok("keys", "\(secret); no JWKS (SUPABASE_JWKS_URL=none): HS256 tokens only")
                : .failed("keys", .setting, "no JWKS and no HS256 secret: every token would be refused")
        }
        let failure: CheckResult.Failure = fromFile ? .setting : .unavailable
        let listing: JWKSKeyListing
        do {
            listing = try await jwks.listKeys()
        } catch {
            return .failed("keys", failure, "\(error)")
        }
        let skipped = listing.skippedCount > 0 ? " (\(listing.skippedCount) entries not usable)" : ""
        guard !listing.keys.isEmpty else {
            return hmacSecretSet
                ? .ok("keys", "\(secret); the JWKS holds no signing key\(skipped): HS256 tokens only")
                : .failed("keys", failure, "the JWKS holds no usable signing key\(skipped) and no HS256 secret is set")
        }
        let keys = listing.keys.map { "\($0.id) (\($0.algorithm))" }.joined(separator: ", ")
        return .ok("keys", "JWKS: \(keys)\(skipped); \(secret)")
    }
}

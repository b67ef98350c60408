import FoundationEssentials
import SupabaseAuth

/// Checks an access token locally, before any network call.
public protocol AccessTokenVerifying: Sendable {
    /// With `checkingExpiry` false, a token past `exp` that passes every other check comes back with its claims.
    func verify(_ token: String, now: Date, checkingExpiry: Bool) async -> Result<SessionClaims, TokenRejection>
}

/// Ends a session at Supabase Auth.
public protocol SessionRevoking: Sendable {
    func endSession(
        _ session: SessionCredentials, scope: RevocationScope, requestID: String?, deadline: ContinuousClock.Instant
    ) async -> RevocationOutcome
}

extension TokenVerifier: AccessTokenVerifying {}
extension RevocationClient: SessionRevoking {}

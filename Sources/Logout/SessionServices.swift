import FoundationEssentials
import SupabaseAuth

/// Checks an access token locally, before any network call.
public protocol AccessTokenVerifying: Sendable {
    func verify(_ token: String, now: Date) async -> Result<SessionClaims, TokenRejection>
}

/// Ends a session at Supabase Auth.
public protocol SessionRevoking: Sendable {
    func revoke(accessToken: String, scope: RevocationScope, requestID: String?) async -> RevocationOutcome
}

extension TokenVerifier: AccessTokenVerifying {}
extension RevocationClient: SessionRevoking {}

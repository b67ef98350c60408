/// A session the stand-in created through its admin API, as Supabase Auth would hand it to a client.
public struct StubSession: Sendable, Equatable {
    /// The signed access token (HS256 with the stand-in's JWT secret, or ES256 with its own key).
    public var accessToken: String
    /// The refresh token of the session; the refresh-token grant rotates it.
    public var refreshToken: String
    /// The `session_id` claim of the access token.
    public var sessionID: String
    /// The `sub` claim of the access token.
    public var userID: String
    /// The `exp` claim of the access token, in seconds since 1970.
    public var expiresAt: Int

    public init(accessToken: String, refreshToken: String, sessionID: String, userID: String, expiresAt: Int) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.sessionID = sessionID
        self.userID = userID
        self.expiresAt = expiresAt
    }
}

/// Which `iss` an access token must carry.
public enum IssuerRule: Sendable {
    /// Exactly this value (`LOGOUT_JWT_ISSUER`).
    case fixed(String)
    /// Not checked (`LOGOUT_JWT_ISSUER=none`).
    case unchecked
    /// The `issuer` of the project's openid-configuration, fetched by `fetch` on the JWKS's schedule.
    /// Until its first answer, and when Supabase Auth does not serve it (`404`), `projectIssuer`
    /// (`$SUPABASE_URL/auth/v1`) stands in.
    case discovered(projectIssuer: String, fetch: @Sendable () async throws -> IssuerDiscoveryAnswer)
}

/// One answer of the openid-configuration endpoint.
public enum IssuerDiscoveryAnswer: Sendable, Equatable {
    /// The document's `issuer` (empty: tokens carry no `iss`), and how long it may be used.
    case issuer(String, maxAge: Duration?)
    /// `404`: a Supabase Auth older than v2.181.0, which does not serve the document.
    case notServed
}

/// What the issuer check says about one token's `iss`.
enum IssuerVerdict: Equatable {
    case accepted
    case wrong
    /// The issuer is not known yet: the token can be neither accepted nor refused.
    case notKnownYet
}

import ArgumentParser

/// One flag per setting; each overrides the environment variable it names. Secrets have no flag (`ps`
/// shows every process's arguments): only a flag naming the file that holds one.
struct SettingOptions: ParsableArguments {
    @Option(help: "SUPABASE_URL: the project URL, e.g. https://abcd.supabase.co.")
    var supabaseUrl: String?
    @Option(help: "SUPABASE_ANON_KEY_FILE: file holding the anon or publishable key, sent as apikey.")
    var supabaseAnonKeyFile: String?
    @Option(help: "SUPABASE_JWT_SECRET_FILE: file holding the HS256 secret for local token checks, at least 32 bytes.")
    var supabaseJwtSecretFile: String?
    @Option(help: "SUPABASE_JWKS_FILE: JWKS file with the ES256/RS256 signing keys; replaces the fetched JWKS.")
    var supabaseJwksFile: String?
    @Option(help: "SUPABASE_JWKS_URL: JWKS fetched at start, when the max-age of its last answer has passed, and for an unknown kid; none turns it off. Default: $SUPABASE_URL/auth/v1/.well-known/jwks.json.")
    var supabaseJwksUrl: String?
    @Option(help: "SUPABASE_CA_FILE: PEM file of certificate authorities trusted for SUPABASE_URL besides the system's (a self-hosted Supabase behind a private CA); certificates are always verified. Read at start. Default: unset.")
    var supabaseCaFile: String?
    @Option(help: "LOGOUT_JWT_ISSUER: the iss every token must carry; none: not checked; empty: as unset. Default: the issuer of $SUPABASE_URL/auth/v1/.well-known/openid-configuration ($SUPABASE_URL/auth/v1 until it answers).")
    var jwtIssuer: String?
    @Option(help: "LOGOUT_JWT_AUDIENCE: an audience every token's aud must name, empty to not check. Default: authenticated.")
    var jwtAudience: String?
    @Option(help: "LOGOUT_LISTEN: unix:/path or host:port. Default: the socket systemd (LISTEN_FDS) or spawn-fcgi (fd 0) passed.")
    var listen: String?
    @Option(help: "LOGOUT_WORKERS: worker threads, each with its own event loop. Default: one per core, at least 2.")
    var workers: String?
    @Option(help: "LOGOUT_SCOPE: default revocation scope: local, global or others. Default: local.")
    var scope: String?
    @Option(help: "LOGOUT_COOKIE_NAME: session cookie base name. Default: sb-<first label of the project host>-auth-token.")
    var cookieName: String?
    @Option(help: "LOGOUT_COOKIE_DOMAIN: also clear every cookie with this Domain. Default: host-only only.")
    var cookieDomain: String?
    @Option(help: "LOGOUT_COOKIE_PATH: Path of the clearing cookies. Default: /.")
    var cookiePath: String?
    @Option(help: "LOGOUT_COOKIE_SECURE: Secure on the clearing cookies. Default: true.")
    var cookieSecure: String?
    @Option(help: "LOGOUT_COOKIE_SAMESITE: Strict, Lax or None. Default: Lax.")
    var cookieSamesite: String?
    @Option(help: "LOGOUT_CSRF_COOKIE: CSRF cookie name. Default: csrf_token.")
    var csrfCookie: String?
    @Option(help: "LOGOUT_CSRF_SECRET_FILE: file holding a secret; CSRF tokens must then be signed with it and bound to the session.")
    var csrfSecretFile: String?
    @Option(help: "LOGOUT_ALLOWED_ORIGINS: comma-separated origins allowed on cookie requests. Default: any.")
    var allowedOrigins: String?
    @Option(help: "LOGOUT_UPSTREAM_TIMEOUT_MS: deadline of the whole revocation, retries included. Default: 3000.")
    var upstreamTimeoutMs: String?
    @Option(help: "LOGOUT_CLEAR_SITE_DATA: Clear-Site-Data value on secure requests, e.g. \"cookies\", \"storage\" for an origin that serves only this application; \"cookies\" clears every cookie of the whole site. Default: empty (not sent).")
    var clearSiteData: String?
    @Option(help: "LOGOUT_HSTS: Strict-Transport-Security value, empty to omit. Default: max-age=31536000; includeSubDomains.")
    var hsts: String?
    @Option(help: "LOGOUT_MAX_INFLIGHT: requests waiting on Supabase at once; past it 503 overloaded. Default: 1024.")
    var maxInflight: String?
    @Option(help: "LOGOUT_UPSTREAM_CONNECTIONS: connections to Supabase Auth at most; HTTP/1.1 needs one per transfer in flight, HTTP/2 multiplexes on a few; transfers beyond it queue inside their deadline. Read at start. Default: 512.")
    var upstreamConnections: String?
    @Option(help: "LOGOUT_READ_TIMEOUT_MS: a FastCGI connection that has not delivered a whole request by then is closed. Default: 5000.")
    var readTimeoutMs: String?
    @Option(help: "LOGOUT_WRITE_TIMEOUT_MS: a FastCGI reply the peer has not read by then: the connection is closed. Default: 5000.")
    var writeTimeoutMs: String?
    @Option(help: "LOGOUT_MAX_BUFFERED_BYTES: request bytes all FastCGI connections may buffer together; past it, connections that delivered no whole request are closed first. Default: 67108864 (64 MiB).")
    var maxBufferedBytes: String?
    @Option(help: "LOGOUT_MAX_CONNECTIONS: FastCGI connections open at once; past it, connections are closed as for LOGOUT_MAX_BUFFERED_BYTES. Default: 8192.")
    var maxConnections: String?
    @Option(help: "LOGOUT_LISTEN_BACKLOG: listen backlog of a socket the responder binds itself (LOGOUT_LISTEN). Default: the kernel's net.core.somaxconn.")
    var listenBacklog: String?
    @Option(help: "LOGOUT_DRAIN_TIMEOUT_MS: on SIGTERM, how long requests in flight may take to finish. Default: 10000.")
    var drainTimeoutMs: String?
    @Option(help: "LOGOUT_LOG_LEVEL: trace, debug, info, notice, warning, error or critical. Default: info.")
    var logLevel: String?

    /// The flags given, keyed by the environment variable each overrides.
    var overrides: [String: String] {
        let pairs: [(String, String?)] = [
            ("SUPABASE_URL", supabaseUrl), ("SUPABASE_ANON_KEY_FILE", supabaseAnonKeyFile),
            ("SUPABASE_JWT_SECRET_FILE", supabaseJwtSecretFile), ("SUPABASE_JWKS_FILE", supabaseJwksFile),
            ("SUPABASE_JWKS_URL", supabaseJwksUrl), ("SUPABASE_CA_FILE", supabaseCaFile), ("LOGOUT_JWT_ISSUER", jwtIssuer), ("LOGOUT_JWT_AUDIENCE", jwtAudience),
            ("LOGOUT_LISTEN", listen), ("LOGOUT_WORKERS", workers),
            ("LOGOUT_SCOPE", scope), ("LOGOUT_COOKIE_NAME", cookieName), ("LOGOUT_COOKIE_DOMAIN", cookieDomain),
            ("LOGOUT_COOKIE_PATH", cookiePath), ("LOGOUT_COOKIE_SECURE", cookieSecure),
            ("LOGOUT_COOKIE_SAMESITE", cookieSamesite), ("LOGOUT_CSRF_COOKIE", csrfCookie),
            ("LOGOUT_CSRF_SECRET_FILE", csrfSecretFile), ("LOGOUT_ALLOWED_ORIGINS", allowedOrigins),
            ("LOGOUT_UPSTREAM_TIMEOUT_MS", upstreamTimeoutMs), ("LOGOUT_CLEAR_SITE_DATA", clearSiteData),
            ("LOGOUT_HSTS", hsts), ("LOGOUT_MAX_INFLIGHT", maxInflight), ("LOGOUT_READ_TIMEOUT_MS", readTimeoutMs),
            ("LOGOUT_UPSTREAM_CONNECTIONS", upstreamConnections),
            ("LOGOUT_WRITE_TIMEOUT_MS", writeTimeoutMs), ("LOGOUT_MAX_BUFFERED_BYTES", maxBufferedBytes),
            ("LOGOUT_MAX_CONNECTIONS", maxConnections), ("LOGOUT_LISTEN_BACKLOG", listenBacklog),
            ("LOGOUT_DRAIN_TIMEOUT_MS", drainTimeoutMs),
            ("LOGOUT_LOG_LEVEL", logLevel),
        ]
        var overrides: [String: String] = [:]
        for (name, value) in pairs { if let value { overrides[name] = value } }
        return overrides
    }
}

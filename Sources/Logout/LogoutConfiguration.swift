import FoundationEssentials
import HTTPHeaders
import Logging
import POSIXSupport
import SupabaseAuth

/// Every setting of the responder, validated once at start-up.
public struct LogoutConfiguration: Sendable {
    public enum SameSite: String, Sendable {
        case strict = "Strict"
        case lax = "Lax"
        case none = "None"
    }

    // Supabase Auth
    public var supabaseURL: String
    public var anonKey: String
    public var jwtSecret: String?
    public var jwksFile: String?
    public var jwksURL: String?
    /// The `iss` every token must carry.
    public var jwtIssuer: JWTIssuerSetting
    /// The audience every token's `aud` must name; nil: not checked.
    public var jwtAudience: String?
    public var upstreamTimeout: Duration
    /// A PEM file of certificate authorities trusted for Supabase Auth besides the system's; nil: none.
    public var supabaseCAFile: String?
    /// Connections to Supabase Auth at most (`CURLMOPT_MAX_HOST_CONNECTIONS`).
    public var upstreamConnections: Int

    // Transport
    /// `unix:/path` or `host:port`; nil: the socket systemd or spawn-fcgi passed.
    public var listen: String?
    /// Worker threads; nil: chosen from the core count.
    public var workers: Int?
    public var maxInFlight: Int
    /// How long a FastCGI connection may take to deliver a whole request.
    public var readTimeout: Duration
    /// How long a reply may wait for the peer to read it.
    public var writeTimeout: Duration
    /// Request bytes all FastCGI connections may buffer together.
    public var maxBufferedBytes: Int
    /// FastCGI connections open at once.
    public var maxConnections: Int
    /// Listen backlog of a socket the responder binds; nil: the kernel's `net.core.somaxconn`.
    public var listenBacklog: Int?
    public var drainTimeout: Duration

    // The endpoint
    public var defaultScope: RevocationScope
    public var cookieName: String
    public var cookieDomain: String?
    public var cookiePath: String
    public var cookieSecure: Bool
    public var cookieSameSite: SameSite
    public var csrfCookie: String
    public var csrfSecret: String?
    /// Origins allowed on cookie requests; nil: any.
    public var allowedOrigins: [String]?
    /// `Clear-Site-Data` value; nil: never sent.
    public var clearSiteData: String?
    /// `Strict-Transport-Security` value; nil: never sent.
    public var hsts: String?

    public var logLevel: Logger.Level

    /// The settings, or the first one that is missing or malformed, read in the order below.
    public static func load(from source: SettingsSource) throws(ConfigurationError) -> LogoutConfiguration {
        let project = try readProject(source)
        let tokens = try readTokenChecks(source, supabaseURL: project.url)
        let scope = try readScope(source)
        let cookies = try readCookies(source, projectHost: project.host)
        let browser = try readBrowserChecks(source)
        let serving = try readServing(source)
        let upstream = try readUpstreamConnection(source)
        let socket = try readSocketLimits(source)
        return LogoutConfiguration(
            supabaseURL: project.url, anonKey: project.anonKey, jwtSecret: tokens.secret, jwksFile: tokens.jwksFile,
            jwksURL: tokens.jwksURL, jwtIssuer: tokens.issuer, jwtAudience: tokens.audience,
            upstreamTimeout: serving.upstreamTimeout, supabaseCAFile: upstream.caFile,
            upstreamConnections: upstream.connections, listen: serving.listen, workers: serving.workers,
            maxInFlight: serving.maxInFlight, readTimeout: serving.readTimeout, writeTimeout: socket.writeTimeout,
            maxBufferedBytes: socket.maxBufferedBytes, maxConnections: socket.maxConnections,
            listenBacklog: socket.listenBacklog, drainTimeout: serving.drainTimeout,
            defaultScope: scope, cookieName: cookies.name, cookieDomain: cookies.domain, cookiePath: cookies.path,
            cookieSecure: cookies.secure, cookieSameSite: cookies.sameSite, csrfCookie: cookies.csrfCookie,
            csrfSecret: browser.csrfSecret, allowedOrigins: browser.allowedOrigins, clearSiteData: browser.clearSiteData,
            hsts: browser.hsts, logLevel: serving.logLevel)
    }

    /// `SUPABASE_URL` (without trailing slashes; its host names the session cookie) and `SUPABASE_ANON_KEY`.
    private static func readProject(
        _ source: SettingsSource
    ) throws(ConfigurationError) -> (url: String, host: String, anonKey: String) {
        guard let url = source.value("SUPABASE_URL") else { throw .missing("SUPABASE_URL") }
        guard let host = projectHost(of: url) else {
            throw .malformed("SUPABASE_URL", "an http(s) URL such as https://abcd.supabase.co")
        }
        guard let anonKey = try source.secret("SUPABASE_ANON_KEY") else { throw .missing("SUPABASE_ANON_KEY") }
        try requireHeaderSafe(anonKey, "SUPABASE_ANON_KEY")
        return (String(url.reversed().drop(while: { $0 == "/" }).reversed()), host, anonKey)
    }

    /// How access tokens are checked: the HMAC secret, the JWKS (a file or a URL), the issuer and the audience.
    private static func readTokenChecks(
        _ source: SettingsSource, supabaseURL: String
    ) throws(ConfigurationError) -> (
        secret: String?, jwksFile: String?, jwksURL: String?, issuer: JWTIssuerSetting, audience: String?
    ) {
        let secret = try source.secret("SUPABASE_JWT_SECRET")
        let jwksFile = source.value("SUPABASE_JWKS_FILE")
        let jwksURL = try jwksURL(source.value("SUPABASE_JWKS_URL"), file: jwksFile, supabaseURL: supabaseURL)
        let issuer: JWTIssuerSetting
        switch source.raw("LOGOUT_JWT_ISSUER").map({ String($0.trimming(while: \.isSpaceOrTab)) }) {
        case nil, ""?: issuer = .discovered
        case "none"?: issuer = .unchecked
        case let fixed?:
            try requireHeaderSafe(fixed, "LOGOUT_JWT_ISSUER")
            issuer = .fixed(fixed)
        }
        let audience = try optionalHeader(source.raw("LOGOUT_JWT_AUDIENCE"), default: "authenticated", "LOGOUT_JWT_AUDIENCE")
        return (secret, jwksFile, jwksURL, issuer, audience)
    }

    private static func readScope(_ source: SettingsSource) throws(ConfigurationError) -> RevocationScope {
        guard let scope = RevocationScope(rawValue: source.value("LOGOUT_SCOPE") ?? "local") else {
            throw .malformed("LOGOUT_SCOPE", "local, global or others")
        }
        return scope
    }

    /// The session and CSRF cookie names, and the attributes of the cookies the responder clears.
    private static func readCookies(
        _ source: SettingsSource, projectHost: String
    ) throws(ConfigurationError) -> (
        name: String, csrfCookie: String, domain: String?, path: String, secure: Bool, sameSite: SameSite
    ) {
        let name = source.value("LOGOUT_COOKIE_NAME") ?? authCookieName(projectHost: projectHost)
        try requireCookieName(name, "LOGOUT_COOKIE_NAME")
        let csrfCookie = source.value("LOGOUT_CSRF_COOKIE") ?? "csrf_token"
        try requireCookieName(csrfCookie, "LOGOUT_CSRF_COOKIE")
        let domain = source.value("LOGOUT_COOKIE_DOMAIN")
        if let domain { try requireAttributeSafe(domain, "LOGOUT_COOKIE_DOMAIN") }
        let path = source.value("LOGOUT_COOKIE_PATH") ?? "/"
        guard path.hasPrefix("/") else { throw .malformed("LOGOUT_COOKIE_PATH", "a path starting with /") }
        try requireAttributeSafe(path, "LOGOUT_COOKIE_PATH")
        let secure = try boolean(source.value("LOGOUT_COOKIE_SECURE"), default: true, "LOGOUT_COOKIE_SECURE")
        let sameSiteText = source.value("LOGOUT_COOKIE_SAMESITE") ?? "Lax"
        guard let sameSite = SameSite.allCases.first(where: { $0.rawValue.isASCIICaseInsensitiveEqual(to: sameSiteText) })
        else { throw .malformed("LOGOUT_COOKIE_SAMESITE", "Strict, Lax or None") }
        return (name, csrfCookie, domain, path, secure, sameSite)
    }

    /// What guards cookie requests and what the browser is told: the CSRF secret, the allowed origins,
    /// `Clear-Site-Data` and `Strict-Transport-Security`.
    private static func readBrowserChecks(
        _ source: SettingsSource
    ) throws(ConfigurationError) -> (csrfSecret: String?, allowedOrigins: [String]?, clearSiteData: String?, hsts: String?) {
        let csrfSecret = try source.secret("LOGOUT_CSRF_SECRET")
        let allowedOrigins = try allowedOrigins(source.value("LOGOUT_ALLOWED_ORIGINS"))
        let clearSiteData = try optionalHeader(
            source.raw("LOGOUT_CLEAR_SITE_DATA"), default: nil, "LOGOUT_CLEAR_SITE_DATA")
        let hsts = try optionalHeader(source.raw("LOGOUT_HSTS"), default: "max-age=31536000; includeSubDomains", "LOGOUT_HSTS")
        return (csrfSecret, allowedOrigins, clearSiteData, hsts)
    }

    private static func allowedOrigins(_ list: String?) throws(ConfigurationError) -> [String]? {
        guard let list else { return nil }
        let origins = list.split(separator: ",").map { Origin.normalized(String($0.trimming(while: \.isSpaceOrTab))) }
            .filter { !$0.isEmpty }
        guard !origins.isEmpty, origins.allSatisfy({ $0.contains("://") }) else {
            throw .malformed("LOGOUT_ALLOWED_ORIGINS", "comma-separated origins such as https://app.example.com")
        }
        return origins
    }

    /// Where and how the transport serves, how long upstream calls may take, and the log level.
    private static func readServing(
        _ source: SettingsSource
    ) throws(ConfigurationError) -> (
        listen: String?, workers: Int?, maxInFlight: Int, upstreamTimeout: Duration, drainTimeout: Duration,
        readTimeout: Duration, logLevel: Logger.Level
    ) {
        let listen = source.value("LOGOUT_LISTEN")
        if let listen, !(listen.hasPrefix("unix:/") || listen.contains(":")) {
            throw .malformed("LOGOUT_LISTEN", "unix:/path or host:port")
        }
        let workers = try source.value("LOGOUT_WORKERS").map { text throws(ConfigurationError) in
            try positiveInteger(text, "LOGOUT_WORKERS", max: 1024)
        }
        let maxInFlight = try positiveInteger(source.value("LOGOUT_MAX_INFLIGHT") ?? "1024", "LOGOUT_MAX_INFLIGHT", max: 1_000_000)
        let upstream = try milliseconds(source, "LOGOUT_UPSTREAM_TIMEOUT_MS", default: "3000", max: 600_000)
        let drain = try milliseconds(source, "LOGOUT_DRAIN_TIMEOUT_MS", default: "10000", max: 3_600_000)
        let read = try milliseconds(source, "LOGOUT_READ_TIMEOUT_MS", default: "5000", max: 3_600_000)
        let levelText = (source.value("LOGOUT_LOG_LEVEL") ?? "info").lowercased()
        guard let logLevel = Logger.Level(rawValue: levelText) else {
            throw .malformed("LOGOUT_LOG_LEVEL", "trace, debug, info, notice, warning, error or critical")
        }
        return (listen, workers, maxInFlight, upstream, drain, read, logLevel)
    }

    /// How Supabase Auth is reached: the extra certificate authorities (the file is read and checked when the
    /// HTTP client is built) and the connection cap.
    private static func readUpstreamConnection(
        _ source: SettingsSource
    ) throws(ConfigurationError) -> (caFile: String?, connections: Int) {
        let connections = try positiveInteger(
            source.value("LOGOUT_UPSTREAM_CONNECTIONS") ?? "512", "LOGOUT_UPSTREAM_CONNECTIONS", max: 65_536)
        return (source.value("SUPABASE_CA_FILE"), connections)
    }

    /// What the FastCGI socket may cost: the write timeout, the memory and connection budget, the
    /// listen backlog.
    private static func readSocketLimits(
        _ source: SettingsSource
    ) throws(ConfigurationError) -> (writeTimeout: Duration, maxBufferedBytes: Int, maxConnections: Int, listenBacklog: Int?) {
        let write = try milliseconds(source, "LOGOUT_WRITE_TIMEOUT_MS", default: "5000", max: 3_600_000)
        let bytes = try positiveInteger(
            source.value("LOGOUT_MAX_BUFFERED_BYTES") ?? "67108864", "LOGOUT_MAX_BUFFERED_BYTES", max: 1 << 40)
        let connections = try positiveInteger(
            source.value("LOGOUT_MAX_CONNECTIONS") ?? "8192", "LOGOUT_MAX_CONNECTIONS", max: 1_000_000)
        let backlog = try source.value("LOGOUT_LISTEN_BACKLOG").map { text throws(ConfigurationError) in
            try positiveInteger(text, "LOGOUT_LISTEN_BACKLOG", max: Int(Int32.max))
        }
        return (write, bytes, connections, backlog)
    }

    private static func milliseconds(
        _ source: SettingsSource, _ name: String, default fallback: String, max: Int
    ) throws(ConfigurationError) -> Duration {
        .milliseconds(try positiveInteger(source.value(name) ?? fallback, name, max: max))
    }

    /// The JWKS to fetch: the project's own unless a file replaces it or the setting is `none`.
    private static func jwksURL(_ setting: String?, file: String?, supabaseURL: String) throws(ConfigurationError) -> String? {
        switch setting {
        case nil:
            return file == nil ? supabaseURL + "/auth/v1/.well-known/jwks.json" : nil
        case "none"?:
            return nil
        case let explicit?:
            guard projectHost(of: explicit) != nil else { throw .malformed("SUPABASE_JWKS_URL", "an http(s) URL or none") }
            guard file == nil else {
                throw ConfigurationError(setting: "SUPABASE_JWKS_URL", problem: "set either it or SUPABASE_JWKS_FILE, not both")
            }
            return explicit
        }
    }

    /// `sb-<ref>-auth-token`, `<ref>` the first label of the project's host, as supabase-js names it.
    public var projectAuthCookieName: String {
        Self.authCookieName(projectHost: Self.projectHost(of: supabaseURL) ?? "")
    }

    private static func authCookieName(projectHost: String) -> String {
        "sb-\(projectHost.split(separator: ".").first ?? "")-auth-token"
    }

    /// The host of an http(s) URL, or nil.
    static func projectHost(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else { return nil }
        return host
    }

    private static func boolean(_ text: String?, default fallback: Bool, _ name: String) throws(ConfigurationError) -> Bool {
        guard let text else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw .malformed(name, "true or false")
        }
    }

    private static func positiveInteger(_ text: String, _ name: String, max: Int) throws(ConfigurationError) -> Int {
        guard let value = Int(text), value > 0, value <= max else { throw .malformed(name, "a whole number from 1 to \(max)") }
        return value
    }

    /// An unset setting takes its default; an empty one means "none" (do not send the header, do not check).
    private static func optionalHeader(_ raw: String?, default fallback: String?, _ name: String) throws(ConfigurationError) -> String? {
        guard let raw else { return fallback }
        let trimmed = String(raw.trimming(while: \.isSpaceOrTab))
        if trimmed.isEmpty { return nil }
        try requireHeaderSafe(trimmed, name)
        return trimmed
    }

    private static func requireHeaderSafe(_ value: String, _ name: String) throws(ConfigurationError) {
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else {
            throw .malformed(name, "printable ASCII without line breaks")
        }
    }

    private static func requireAttributeSafe(_ value: String, _ name: String) throws(ConfigurationError) {
        try requireHeaderSafe(value, name)
        guard !value.contains(";") else { throw .malformed(name, "a cookie attribute value without ';'") }
    }

    private static func requireCookieName(_ value: String, _ name: String) throws(ConfigurationError) {
        guard HTTPToken.isToken(value) else {
            throw .malformed(name, "a cookie name (letters, digits and !#$%&'*+-.^_`|~)")
        }
    }
}

extension LogoutConfiguration.SameSite: CaseIterable {}

/// `LOGOUT_JWT_ISSUER`: which `iss` tokens must carry.
public enum JWTIssuerSetting: Sendable, Equatable {
    /// Unset or empty: the `issuer` of the project's openid-configuration.
    case discovered
    /// `none`: not checked.
    case unchecked
    /// This value exactly.
    case fixed(String)

    /// For the start-up log line.
    public var logDescription: String {
        switch self {
        case .discovered: "discovered"
        case .unchecked: "unchecked"
        case .fixed(let issuer): issuer
        }
    }
}

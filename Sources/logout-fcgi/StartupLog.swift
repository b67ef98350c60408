import Logging
import Logout
import POSIXSupport

/// The one start-up line: the version and the effective settings, secrets only as set or unset.
enum StartupLog {
    static func write(_ configuration: LogoutConfiguration, version: String, to logger: Logger) {
        func presence(_ value: String?) -> Logger.Metadata.Value { .string(value == nil ? "unset" : "set") }
        var metadata: Logger.Metadata = [
                "version": .string(version),
                "supabase.url": .string(configuration.supabaseURL),
                "supabase.anon_key": presence(configuration.anonKey),
                "supabase.jwt_secret": presence(configuration.jwtSecret),
                "supabase.jwks_file": .string(configuration.jwksFile ?? "unset"),
                "supabase.jwks_url": .string(configuration.jwksURL ?? "none"),
                "supabase.ca_file": .string(configuration.supabaseCAFile ?? "unset"),
                "upstream.connections": .stringConvertible(configuration.upstreamConnections),
                "jwt.issuer": .string(configuration.jwtIssuer.logDescription),
                "jwt.audience": .string(configuration.jwtAudience ?? "unchecked"),
                "listen": .string(configuration.listen ?? "inherited"),
                "workers": .string(configuration.workers.map(String.init) ?? "auto"),
                "max_inflight": .stringConvertible(configuration.maxInFlight),
                "scope": .string(configuration.defaultScope.rawValue),
                "cookie.name": .string(configuration.cookieName),
                "cookie.domain": .string(configuration.cookieDomain ?? "unset"),
                "cookie.path": .string(configuration.cookiePath),
                "cookie.secure": .stringConvertible(configuration.cookieSecure),
                "cookie.samesite": .string(configuration.cookieSameSite.rawValue),
                "csrf.cookie": .string(configuration.csrfCookie),
                "csrf.secret": presence(configuration.csrfSecret),
                "allowed_origins": .string(configuration.allowedOrigins?.joined(separator: ",") ?? "any"),
                "upstream.timeout_ms": .stringConvertible(configuration.upstreamTimeout.milliseconds()),
                "read.timeout_ms": .stringConvertible(configuration.readTimeout.milliseconds()),
                "drain.timeout_ms": .stringConvertible(configuration.drainTimeout.milliseconds()),
                "clear_site_data": .string(configuration.clearSiteData ?? "omitted"),
                "hsts": .string(configuration.hsts ?? "omitted"),
                "log.level": .string(configuration.logLevel.rawValue),
            ]
        metadata["write.timeout_ms"] = .stringConvertible(configuration.writeTimeout.milliseconds())
        metadata["fastcgi.max_buffered_bytes"] = .stringConvertible(configuration.maxBufferedBytes)
        metadata["fastcgi.max_connections"] = .stringConvertible(configuration.maxConnections)
        metadata["fastcgi.listen_backlog"] = .string(configuration.listenBacklog.map(String.init) ?? "somaxconn")
        logger.info("starting", metadata: metadata)
    }
}

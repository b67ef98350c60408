/// Builds the `Set-Cookie` lines that delete every auth and CSRF cookie.
///
/// A deletion only matches a cookie with the same name, domain, host-only flag and path (RFC 6265bis),
/// so with a cookie domain configured each name is cleared twice: with that `Domain` and host-only.
struct CookieClearing: Sendable {
    private let alwaysCleared: [String]
    /// The lines for `alwaysCleared`, built once.
    private var alwaysClearedLines: [String] = []
    private let domain: String?
    private let path: String
    private let secure: Bool
    private let sameSite: LogoutConfiguration.SameSite

    init(configuration: LogoutConfiguration) {
        var names = ["sb-access-token", "sb-refresh-token", configuration.csrfCookie, configuration.cookieName]
        names = names.enumerated().filter { index, name in !names[..<index].contains(name) }.map(\.element)
        alwaysCleared = names
        domain = configuration.cookieDomain
        path = configuration.cookiePath
        secure = configuration.cookieSecure
        sameSite = configuration.cookieSameSite
        alwaysClearedLines = lines(for: alwaysCleared)
    }

    /// One line per cookie: every `sb-*-auth-token*` cookie the request carried, then the fixed names.
    func setCookieLines(for cookies: RequestCookies) -> [String] {
        var carried: [String] = []
        for name in cookies.names where CookieName.isSupabaseAuthCookie(name) && !alwaysCleared.contains(String(name)) {
            carried.append(String(name))
        }
        return carried.isEmpty ? alwaysClearedLines : lines(for: carried) + alwaysClearedLines
    }

    private func lines(for names: [String]) -> [String] {
        var lines: [String] = []
        lines.reserveCapacity(names.count * (domain == nil ? 1 : 2))
        for name in names {
            if let domain, !name.hasPrefix("__Host-") {
                lines.append(line(name, domain: domain))
            }
            lines.append(line(name, domain: nil))
        }
        return lines
    }

    private func line(_ name: String, domain: String?) -> String {
        let hostPrefixed = name.hasPrefix("__Host-")
        // Browsers ignore a __Secure-/__Host- cookie without Secure, a __Host- one with a path other
        // than "/", and a SameSite=None one without Secure: the deletion must be acceptable to them.
        let mustBeSecure = secure || hostPrefixed || name.hasPrefix("__Secure-") || sameSite == .none
        var line = name + "="
        if let domain { line += "; Domain=" + domain }
        line += "; Path=" + (hostPrefixed ? "/" : path)
        line += "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        if mustBeSecure { line += "; Secure" }
        line += "; HttpOnly; SameSite=" + sameSite.rawValue
        return line
    }
}

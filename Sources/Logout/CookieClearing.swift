/// Builds the `Set-Cookie` lines that delete this project's auth cookies and the CSRF cookie.
///
/// Only this project's session cookies are cleared: the configured name and `sb-<ref>-auth-token`, each
/// bare, as chunks (`.0`, `.1`, …) and with `-code-verifier`. Another project's `sb-<other>-auth-token*`
/// on the same host belongs to a live session that is not this logout's to end.
///
/// A deletion only matches a cookie with the same name, domain, host-only flag and path (RFC 6265bis),
/// so with a cookie domain configured each name is cleared twice: with that `Domain` and host-only.
struct CookieClearing: Sendable {
    /// Cleared whether or not the request carried them.
    private let alwaysCleared: [String]
    /// The lines for `alwaysCleared`, built once.
    private var alwaysClearedLines: [String] = []
    /// The names whose bare form and chunks are this project's: session cookies and their PKCE verifiers.
    private let stems: [String]
    private let domain: String?
    private let path: String
    private let secure: Bool
    private let sameSite: LogoutConfiguration.SameSite

    /// Every clearing line is longer than 64 bytes (its fixed attributes alone are), so a response head
    /// never holds more than this many; lines past it would be built only to be dropped.
    static let chunkLinesAtMost = ResponseHead.byteLimit / 64

    init(configuration: LogoutConfiguration) {
        alwaysCleared = Self.unique(["sb-access-token", "sb-refresh-token", configuration.csrfCookie, configuration.cookieName])
        let sessionNames = Self.unique([configuration.cookieName, configuration.projectAuthCookieName])
        stems = sessionNames + sessionNames.map { $0 + "-code-verifier" }
        domain = configuration.cookieDomain
        path = configuration.cookiePath
        secure = configuration.cookieSecure
        sameSite = configuration.cookieSameSite
        alwaysClearedLines = lines(for: alwaysCleared)
    }

    /// The lines in the order they matter: the fixed names, then this project's other bare names the
    /// request carried, then its chunks in index order. A caller short of room keeps a prefix.
    func setCookieLines(for cookies: RequestCookies) -> [String] {
        var bare: [String] = []
        var chunks: [(index: Int, stem: Int, name: String)] = []
        for name in cookies.names {
            guard let (stem, index) = stemAndChunkIndex(of: name) else { continue }
            if let index {
                chunks.append((index, stem, String(name)))
            } else if !alwaysCleared.contains(stems[stem]) {
                bare.append(stems[stem])
            }
        }
        guard !bare.isEmpty || !chunks.isEmpty else { return alwaysClearedLines }
        chunks.sort { ($0.index, $0.stem) < ($1.index, $1.stem) }
        return alwaysClearedLines + lines(for: bare) + lines(for: chunks.prefix(Self.chunkLinesAtMost).map(\.name))
    }

    /// Which stem `name` is, or is a chunk of (`<stem>.<decimal index>`); nil for any other cookie.
    private func stemAndChunkIndex(of name: Substring) -> (stem: Int, index: Int?)? {
        if let stem = stems.firstIndex(where: { $0 == name }) { return (stem, nil) }
        // A chunk: the stem, a dot and up to 8 digits.
        let bytes = name.utf8
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let digits = bytes[bytes.index(after: dot)...]
        guard (1...8).contains(digits.count), let index = Int(Substring(digits)), index >= 0,
            digits.first != UInt8(ascii: "+"), digits.first != UInt8(ascii: "-"),
            let stem = stems.firstIndex(where: { $0 == name[..<dot] })
        else { return nil }
        return (stem, index)
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

    private static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}

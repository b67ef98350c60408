/// What the browser holds of one session: what ending it needs.
public struct SessionCredentials: Sendable, Equatable {
    /// The access token, already checked locally.
    public var accessToken: String
    /// The refresh token stored beside it in the session cookie, if any.
    public var refreshToken: String?
    /// The access token is past `exp` or close to it: get a fresh one with the refresh token first.
    public var refreshFirst: Bool

    public init(accessToken: String, refreshToken: String? = nil, refreshFirst: Bool = false) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.refreshFirst = refreshFirst
    }

    /// supabase-js's `EXPIRY_MARGIN_MS`: a token this close to `exp` is refreshed before use, so it
    /// cannot expire between the check here and Supabase Auth's.
    public static let refreshMargin: Duration = .seconds(90)

    /// Printable ASCII without space, quotes, backslash, `;` or `,`, at most 1,024 bytes: what a
    /// GoTrue refresh token is, and what travels safely inside the JSON body without escaping.
    public static func isWellFormedRefreshToken(_ token: String) -> Bool {
        let bytes = token.utf8
        guard !bytes.isEmpty, bytes.count <= 1024 else { return false }
        return bytes.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
                && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: ";") && byte != UInt8(ascii: ",")
        }
    }
}

/// Cookie-name rules (RFC 6265 `token`) and the names this endpoint recognises.
enum CookieName {
    /// A byte allowed in a cookie name: visible ASCII except separators.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    static func isToken(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte)
    }

    /// `sb-<ref>-auth-token` and everything @supabase/ssr derives from it: chunks (`.0`, `.1`, …)
    /// and the PKCE `-code-verifier`.
    static func isSupabaseAuthCookie(_ name: some StringProtocol) -> Bool {
        name.hasPrefix("sb-") && name.contains("-auth-token") && isToken(name)
    }
}

import Testing

@testable import Logout

@Suite("Cookie clearing")
struct CookieClearingTests {
    static let expiry = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

    func configuration(_ extra: [String: String] = [:]) throws -> LogoutConfiguration {
        let environment = ["SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY": "anon"].merging(extra) { $1 }
        return try LogoutConfiguration.load(from: SettingsSource(environment: environment))
    }

    @Test func everyAuthCookieTheRequestCarriedAndTheFixedNames() throws {
        let clearing = CookieClearing(configuration: try configuration())
        let cookies = RequestCookies(
            header: "sb-abcd-auth-token.0=a; sb-abcd-auth-token.1=b; sb-abcd-auth-token-code-verifier=v; theme=dark; sb-other-auth-token=x")
        #expect(
            clearing.setCookieLines(for: cookies) == [
                "sb-abcd-auth-token.0=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "sb-abcd-auth-token.1=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "sb-abcd-auth-token-code-verifier=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "sb-other-auth-token=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "sb-access-token=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "sb-refresh-token=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "csrf_token=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
                "sb-abcd-auth-token=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
            ])
    }

    @Test func aConfiguredDomainClearsEachNameTwice() throws {
        let clearing = CookieClearing(configuration: try configuration(["LOGOUT_COOKIE_DOMAIN": "example.com"]))
        let lines = clearing.setCookieLines(for: RequestCookies(header: nil))
        #expect(lines.count == 8)
        #expect(lines[0] == "sb-access-token=; Domain=example.com; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax")
        #expect(lines[1] == "sb-access-token=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax")
    }

    @Test func prefixedNamesKeepTheirRules() throws {
        let clearing = CookieClearing(
            configuration: try configuration([
                "LOGOUT_COOKIE_DOMAIN": "example.com", "LOGOUT_COOKIE_SECURE": "false", "LOGOUT_COOKIE_PATH": "/app",
                "LOGOUT_CSRF_COOKIE": "__Host-csrf", "LOGOUT_COOKIE_NAME": "__Secure-sb-abcd-auth-token",
            ]))
        let lines = clearing.setCookieLines(for: RequestCookies(header: nil))
        #expect(lines.contains("sb-access-token=; Path=/app; \(Self.expiry); HttpOnly; SameSite=Lax"))
        // __Host-: never a Domain, always Secure and Path=/.
        #expect(lines.filter { $0.hasPrefix("__Host-csrf=") } == ["__Host-csrf=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax"])
        // __Secure-: always Secure.
        #expect(lines.filter { $0.hasPrefix("__Secure-") } == [
            "__Secure-sb-abcd-auth-token=; Domain=example.com; Path=/app; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
            "__Secure-sb-abcd-auth-token=; Path=/app; \(Self.expiry); Secure; HttpOnly; SameSite=Lax",
        ])
    }

    @Test func cookieNamesThatCouldInjectAttributesAreNotEchoed() throws {
        let clearing = CookieClearing(configuration: try configuration())
        let lines = clearing.setCookieLines(for: RequestCookies(header: "sb-x-auth-token,Domain=evil=1; sb-a\u{7f}-auth-token=2"))
        #expect(lines.count == 4)
    }
}

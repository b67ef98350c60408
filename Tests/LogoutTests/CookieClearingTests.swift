import Testing

@testable import Logout

@Suite("Cookie clearing")
struct CookieClearingTests {
    static let expiry = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

    func configuration(_ extra: [String: String] = [:]) throws -> LogoutConfiguration {
        let environment = ["SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY": "anon"].merging(extra) { $1 }
        return try LogoutConfiguration.load(from: SettingsSource(environment: environment))
    }

    func clearingLine(_ name: String) -> String {
        "\(name)=; Path=/; \(Self.expiry); Secure; HttpOnly; SameSite=Lax"
    }

    @Test func theFixedNamesThenThisProjectsCarriedCookiesChunksInIndexOrder() throws {
        let clearing = CookieClearing(configuration: try configuration())
        let cookies = RequestCookies(
            header: "sb-abcd-auth-token.1=b; sb-abcd-auth-token.10=k; sb-abcd-auth-token.0=a; "
                + "sb-abcd-auth-token-code-verifier=v; theme=dark; sb-abcd-auth-token.2=c; sb-abcd-auth-token.x=no")
        #expect(
            clearing.setCookieLines(for: cookies) == [
                "sb-access-token", "sb-refresh-token", "csrf_token", "sb-abcd-auth-token",
                "sb-abcd-auth-token-code-verifier",
                "sb-abcd-auth-token.0", "sb-abcd-auth-token.1", "sb-abcd-auth-token.2", "sb-abcd-auth-token.10",
            ].map(clearingLine))
    }

    @Test func anotherProjectsCookiesAreLeftAlone() throws {
        let clearing = CookieClearing(configuration: try configuration())
        let cookies = RequestCookies(
            header: "sb-other-auth-token=x; sb-other-auth-token.0=y; sb-other-auth-token-code-verifier=z; "
                + "sb-abcd-auth-tokens=w; sb-abcd-auth-token.0=a")
        #expect(
            clearing.setCookieLines(for: cookies) == [
                "sb-access-token", "sb-refresh-token", "csrf_token", "sb-abcd-auth-token", "sb-abcd-auth-token.0",
            ].map(clearingLine))
    }

    @Test func aConfiguredNameAndTheProjectsDefaultNameAreBothThisProjects() throws {
        let clearing = CookieClearing(configuration: try configuration(["LOGOUT_COOKIE_NAME": "app-session"]))
        let cookies = RequestCookies(
            header: "sb-abcd-auth-token.0=a; app-session.0=b; sb-abcd-auth-token=c; sb-abcd-auth-token-code-verifier=d")
        #expect(
            clearing.setCookieLines(for: cookies) == [
                "sb-access-token", "sb-refresh-token", "csrf_token", "app-session",
                "sb-abcd-auth-token", "sb-abcd-auth-token-code-verifier", "app-session.0", "sb-abcd-auth-token.0",
            ].map(clearingLine))
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
        let lines = clearing.setCookieLines(
            for: RequestCookies(header: "sb-abcd-auth-token.0,Domain=evil=1; sb-abcd-auth-token.\u{7f}=2; sb-abcd-auth-token.1\u{301}=3"))
        #expect(lines.count == 4)
    }

    @Test func chunkLinesStopAtWhatAResponseHeadCouldHold() throws {
        let clearing = CookieClearing(configuration: try configuration())
        let header = (0..<6000).reversed().map { "sb-abcd-auth-token.\($0)=A" }.joined(separator: "; ")
        let lines = clearing.setCookieLines(for: RequestCookies(header: header))
        #expect(lines.count == 4 + CookieClearing.chunkLinesAtMost)
        #expect(lines.last == clearingLine("sb-abcd-auth-token.\(CookieClearing.chunkLinesAtMost - 1)"))
        #expect(lines.allSatisfy { "Set-Cookie: \($0)\r\n".utf8.count > ResponseHead.byteLimit / CookieClearing.chunkLinesAtMost })
    }
}

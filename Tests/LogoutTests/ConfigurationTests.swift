import Testing

@testable import Logout

@Suite("Settings")
struct ConfigurationTests {
    static let required = ["SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY": "anon"]

    func load(_ environment: [String: String], overrides: [String: String] = [:], files: [String: String] = [:])
        throws(ConfigurationError) -> LogoutConfiguration
    {
        let source = SettingsSource(environment: environment, overrides: overrides) { path in
            guard let contents = files[path] else { throw CocoaLikeError() }
            return contents
        }
        return try LogoutConfiguration.load(from: source)
    }

    struct CocoaLikeError: Error {}

    @Test func defaultsFollowTheContract() throws {
        let configuration = try load(Self.required)
        #expect(configuration.supabaseURL == "https://abcd.supabase.co")
        #expect(configuration.cookieName == "sb-abcd-auth-token")
        #expect(configuration.defaultScope == .local)
        #expect(configuration.cookiePath == "/")
        #expect(configuration.cookieSecure)
        #expect(configuration.cookieSameSite == .lax)
        #expect(configuration.csrfCookie == "csrf_token")
        #expect(configuration.upstreamTimeout == .milliseconds(3000))
        #expect(configuration.maxInFlight == 1024)
        #expect(configuration.clearSiteData == nil)
        #expect(configuration.hsts == "max-age=31536000; includeSubDomains")
        #expect(configuration.allowedOrigins == nil)
        // No JWKS file: the project's own JWKS.
        #expect(configuration.jwksURL == "https://abcd.supabase.co/auth/v1/.well-known/jwks.json")
    }

    @Test func cookieNameComesFromTheFirstLabelOfTheHost() throws {
        var environment = Self.required
        environment["SUPABASE_URL"] = "http://127.0.0.1:54321/"
        let configuration = try load(environment)
        #expect(configuration.cookieName == "sb-127-auth-token")
        #expect(configuration.supabaseURL == "http://127.0.0.1:54321")
    }

    @Test func theProjectsJWKSIsFetchedWhetherOrNotTheSecretIsSet() throws {
        var environment = Self.required
        environment["SUPABASE_JWT_SECRET"] = String(repeating: "s", count: 40)
        #expect(try load(environment).jwksURL == "https://abcd.supabase.co/auth/v1/.well-known/jwks.json")
    }

    @Test func aJWKSFileReplacesTheURLAndNoneTurnsItOff() throws {
        #expect(try load(Self.required.merging(["SUPABASE_JWKS_FILE": "/etc/jwks.json"]) { $1 }).jwksURL == nil)
        #expect(try load(Self.required.merging(["SUPABASE_JWKS_URL": "none"]) { $1 }).jwksURL == nil)
        #expect(
            try load(Self.required.merging(["SUPABASE_JWKS_URL": "https://keys.example.com/jwks.json"]) { $1 }).jwksURL
                == "https://keys.example.com/jwks.json")
    }

    @Test(arguments: [
        ([String: String](), "SUPABASE_URL"),
        (["SUPABASE_URL": "https://abcd.supabase.co"], "SUPABASE_ANON_KEY"),
        (["SUPABASE_URL": "abcd.supabase.co", "SUPABASE_ANON_KEY": "k"], "SUPABASE_URL"),
        (["SUPABASE_URL": "ftp://abcd.supabase.co", "SUPABASE_ANON_KEY": "k"], "SUPABASE_URL"),
        (required.merging(["LOGOUT_SCOPE": "everything"]) { $1 }, "LOGOUT_SCOPE"),
        (required.merging(["SUPABASE_JWKS_URL": "keys.example.com"]) { $1 }, "SUPABASE_JWKS_URL"),
        (required.merging(["SUPABASE_JWKS_URL": "https://k.example.com/j", "SUPABASE_JWKS_FILE": "/j"]) { $1 }, "SUPABASE_JWKS_URL"),
        (required.merging(["LOGOUT_UPSTREAM_TIMEOUT_MS": "abc"]) { $1 }, "LOGOUT_UPSTREAM_TIMEOUT_MS"),
        (required.merging(["LOGOUT_UPSTREAM_TIMEOUT_MS": "0"]) { $1 }, "LOGOUT_UPSTREAM_TIMEOUT_MS"),
        (required.merging(["LOGOUT_MAX_INFLIGHT": "-1"]) { $1 }, "LOGOUT_MAX_INFLIGHT"),
        (required.merging(["LOGOUT_READ_TIMEOUT_MS": "0"]) { $1 }, "LOGOUT_READ_TIMEOUT_MS"),
        (required.merging(["LOGOUT_WRITE_TIMEOUT_MS": "5s"]) { $1 }, "LOGOUT_WRITE_TIMEOUT_MS"),
        (required.merging(["LOGOUT_MAX_BUFFERED_BYTES": "64M"]) { $1 }, "LOGOUT_MAX_BUFFERED_BYTES"),
        (required.merging(["LOGOUT_MAX_CONNECTIONS": "0"]) { $1 }, "LOGOUT_MAX_CONNECTIONS"),
        (required.merging(["LOGOUT_LISTEN_BACKLOG": "-5"]) { $1 }, "LOGOUT_LISTEN_BACKLOG"),
        (required.merging(["LOGOUT_COOKIE_SECURE": "maybe"]) { $1 }, "LOGOUT_COOKIE_SECURE"),
        (required.merging(["LOGOUT_COOKIE_SAMESITE": "Loose"]) { $1 }, "LOGOUT_COOKIE_SAMESITE"),
        (required.merging(["LOGOUT_COOKIE_PATH": "api"]) { $1 }, "LOGOUT_COOKIE_PATH"),
        (required.merging(["LOGOUT_COOKIE_NAME": "bad name"]) { $1 }, "LOGOUT_COOKIE_NAME"),
        (required.merging(["LOGOUT_HSTS": "max-age=1\r\nX-Evil: 1"]) { $1 }, "LOGOUT_HSTS"),
        (required.merging(["LOGOUT_ALLOWED_ORIGINS": "example.com"]) { $1 }, "LOGOUT_ALLOWED_ORIGINS"),
        (required.merging(["LOGOUT_LOG_LEVEL": "loud"]) { $1 }, "LOGOUT_LOG_LEVEL"),
        (required.merging(["LOGOUT_LISTEN": "nowhere"]) { $1 }, "LOGOUT_LISTEN"),
    ])
    func aBadSettingIsNamed(environment: [String: String], setting: String) {
        #expect(throws: ConfigurationError.self) { try load(environment) }
        do {
            _ = try load(environment)
        } catch {
            #expect(error.setting == setting)
        }
    }

    @Test func flagsOverrideTheEnvironment() throws {
        let configuration = try load(Self.required, overrides: ["LOGOUT_SCOPE": "global", "SUPABASE_URL": "https://wxyz.supabase.co"])
        #expect(configuration.defaultScope == .global)
        #expect(configuration.cookieName == "sb-wxyz-auth-token")
    }

    @Test func secretsAreReadFromFilesWithoutTheTrailingNewline() throws {
        let environment = [
            "SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY_FILE": "/creds/anon",
            "LOGOUT_CSRF_SECRET_FILE": "/creds/csrf",
        ]
        let configuration = try load(environment, files: ["/creds/anon": "anon-from-file\n", "/creds/csrf": "csrf-secret\n"])
        #expect(configuration.anonKey == "anon-from-file")
        #expect(configuration.csrfSecret == "csrf-secret")
    }

    @Test func anUnreadableSecretFileIsNamed() {
        let environment = ["SUPABASE_URL": "https://abcd.supabase.co", "SUPABASE_ANON_KEY_FILE": "/missing"]
        #expect(throws: ConfigurationError(setting: "SUPABASE_ANON_KEY_FILE", problem: "cannot read the file it names")) {
            try load(environment)
        }
    }

    @Test func aSecretSetTwiceIsRefused() {
        var environment = Self.required
        environment["SUPABASE_ANON_KEY_FILE"] = "/creds/anon"
        #expect(throws: ConfigurationError.self) { try load(environment, files: ["/creds/anon": "x"]) }
    }

    @Test func emptyHeaderSettingsOmitTheHeader() throws {
        var environment = Self.required
        environment["LOGOUT_HSTS"] = ""
        environment["LOGOUT_CLEAR_SITE_DATA"] = ""
        let configuration = try load(environment)
        #expect(configuration.hsts == nil)
        #expect(configuration.clearSiteData == nil)
    }

    @Test func allowedOriginsAreNormalised() throws {
        var environment = Self.required
        environment["LOGOUT_ALLOWED_ORIGINS"] = "https://App.example.com/, https://admin.example.com"
        #expect(try load(environment).allowedOrigins == ["https://app.example.com", "https://admin.example.com"])
    }

    @Test func anErrorNeverRepeatsASecret() {
        var environment = Self.required
        environment["SUPABASE_ANON_KEY"] = "secret-value\nwith-newline"
        do {
            _ = try load(environment)
            Issue.record("expected an error")
        } catch {
            #expect(error.setting == "SUPABASE_ANON_KEY")
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test func theSettingsSourceNeverPrintsAValue() {
        let source = SettingsSource(environment: ["SUPABASE_JWT_SECRET": "do-not-print-me"], overrides: ["SUPABASE_ANON_KEY": "nor-me"])
        for text in [String(describing: source), String(reflecting: source), "\(source)"] {
            #expect(!text.contains("do-not-print-me"))
            #expect(!text.contains("nor-me"))
        }
    }
}

import Testing

@testable import Logout

/// Secrets handed over as systemd credentials: `$CREDENTIALS_DIRECTORY/<setting in lower case with dashes>`.
@Suite("Settings from systemd credentials")
struct CredentialSettingsTests {
    static let directory = "/run/credentials/logout-fcgi.service"
    static let environment = ["SUPABASE_URL": "https://abcd.supabase.co", "CREDENTIALS_DIRECTORY": directory]
    static let hmacSecret = String(repeating: "h", count: 40)

    func load(_ environment: [String: String] = environment, credentials: [String: String])
        throws(ConfigurationError) -> LogoutConfiguration
    {
        let files = Dictionary(uniqueKeysWithValues: credentials.map { ("\(Self.directory)/\($0.key)", $0.value) })
        let source = SettingsSource(environment: environment) { path in
            guard let contents = files[path] else { throw MissingFile() }
            return contents
        }
        return try LogoutConfiguration.load(from: source)
    }

    struct MissingFile: Error {}

    @Test func eachSecretComesFromTheCredentialNamedAfterIt() throws {
        let configuration = try load(credentials: [
            "supabase-anon-key": "anon\n", "supabase-jwt-secret": Self.hmacSecret + "\n", "logout-csrf-secret": "csrf\n",
        ])
        #expect(configuration.anonKey == "anon")
        #expect(configuration.jwtSecret == Self.hmacSecret)
        #expect(configuration.csrfSecret == "csrf")
    }

    /// A JWKS-only project has no JWT secret file: the unit's empty default stands in for it.
    @Test(arguments: [[String: String](), ["supabase-jwt-secret": "", "logout-csrf-secret": "\n"]])
    func anAbsentOrEmptyCredentialLeavesTheSettingUnset(optional: [String: String]) throws {
        let configuration = try load(credentials: optional.merging(["supabase-anon-key": "anon"]) { $1 })
        #expect(configuration.jwtSecret == nil)
        #expect(configuration.csrfSecret == nil)
        #expect(configuration.jwksURL == "https://abcd.supabase.co/auth/v1/.well-known/jwks.json")
    }

    @Test func aRequiredSecretWithAnEmptyCredentialIsMissing() {
        #expect(throws: ConfigurationError.missing("SUPABASE_ANON_KEY")) {
            try load(credentials: ["supabase-anon-key": ""])
        }
    }

    @Test(arguments: [
        ["SUPABASE_ANON_KEY": "anon-from-env"], ["SUPABASE_ANON_KEY_FILE": "/elsewhere/anon"],
    ])
    func aSecretGivenTwiceIsRefused(alsoSet: [String: String]) {
        let environment = Self.environment.merging(alsoSet) { $1 }
        #expect(throws: ConfigurationError.self) {
            try load(environment, credentials: ["supabase-anon-key": "anon"])
        }
    }

    @Test func withoutACredentialsDirectoryNothingIsRead() {
        var environment = Self.environment
        environment["CREDENTIALS_DIRECTORY"] = nil
        #expect(throws: ConfigurationError.missing("SUPABASE_ANON_KEY")) {
            try load(environment, credentials: ["supabase-anon-key": "anon"])
        }
    }
}

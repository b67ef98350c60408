import GoTrueStubSupport
import Logging
import SupabaseAuth

/// A fresh Supabase Auth stand-in and HTTP client per test, so faults and connections never leak between tests.
struct RevocationTestFixture {
    static let userAgent = "logout-fcgi-tests/1.0"
    static let silentLogger = Logger(label: "revocation-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    let stub: GoTrueStub
    let http: CurlHTTPClient

    /// Runs `body` with a started stand-in and client, and stops both afterwards.
    static func with(_ body: (RevocationTestFixture) async throws -> Void) async throws {
        let stub = try GoTrueStub.start()
        defer { stub.stop() }
        let http = try CurlHTTPClient(userAgent: userAgent, logger: silentLogger)
        defer { http.shutdown() }
        try await body(RevocationTestFixture(stub: stub, http: http))
    }

    /// A revocation client against the stand-in (or `url`), with the stand-in's key unless told otherwise.
    func client(
        url: String? = nil, anonKey: String? = nil, timeout: Duration = .seconds(3)
    ) -> RevocationClient {
        RevocationClient(
            http: http, supabaseURL: url ?? stub.url, anonKey: anonKey ?? stub.anonKey, timeout: timeout,
            userAgent: Self.userAgent, logger: Self.silentLogger)
    }

    /// The logout requests the stand-in received, oldest first.
    func logoutRequests() throws -> [StubRequest] {
        try stub.requests().filter { $0.path == "/auth/v1/logout" }
    }
}

import GoTrueStubSupport
import HTTPClient
import SupabaseAuth

extension StubFixture {
    /// A revocation client against the stand-in (or `url`), with the stand-in's key unless told otherwise.
    ///
    /// The default deadline is long so that a busy test machine cannot cut retries short; the deadline tests
    /// set their own.
    func client(url: String? = nil, anonKey: String? = nil, timeout: Duration = .seconds(15)) -> RevocationClient {
        RevocationClient(
            http: http, supabaseURL: url ?? stub.url, anonKey: anonKey ?? stub.anonKey, timeout: timeout,
            userAgent: Self.userAgent, logger: Self.silentLogger)
    }
}

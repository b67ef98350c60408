import Foundation
import GoTrueStubSupport
import Logging
import SupabaseAuth

/// A fresh Supabase Auth stand-in and HTTP client per test, so faults and connections never leak between tests.
///
/// The stand-in's launcher and admin calls block their thread, so they run on threads of their own: blocking the
/// few threads of Swift's cooperative pool would delay the client's resumptions and distort retries and deadlines.
struct RevocationTestFixture: Sendable {
    static let userAgent = "logout-fcgi-tests/1.0"
    static let silentLogger = Logger(label: "revocation-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    let stub: GoTrueStub
    let http: CurlHTTPClient

    /// Runs `body` with a started stand-in and client, and stops both afterwards.
    static func with(_ body: (RevocationTestFixture) async throws -> Void) async throws {
        let stub = try await offload { try GoTrueStub.start() }
        let http: CurlHTTPClient
        do {
            http = try CurlHTTPClient(userAgent: userAgent, logger: silentLogger)
        } catch {
            await offload { stub.stop() }
            throw error
        }
        do {
            try await body(RevocationTestFixture(stub: stub, http: http))
        } catch {
            http.shutdown()
            await offload { stub.stop() }
            throw error
        }
        http.shutdown()
        await offload { stub.stop() }
    }

    /// A revocation client against the stand-in (or `url`), with the stand-in's key unless told otherwise.
    ///
    /// The default deadline is long so that a busy test machine cannot cut retries short; the deadline tests
    /// set their own.
    func client(url: String? = nil, anonKey: String? = nil, timeout: Duration = .seconds(15)) -> RevocationClient {
        RevocationClient(
            http: http, supabaseURL: url ?? stub.url, anonKey: anonKey ?? stub.anonKey, timeout: timeout,
            userAgent: Self.userAgent, logger: Self.silentLogger)
    }

    /// Runs a blocking call to the stand-in on a thread of its own.
    func admin<T: Sendable>(_ call: @escaping @Sendable (GoTrueStub) throws -> T) async throws -> T {
        let stub = self.stub
        return try await Self.offload { try call(stub) }
    }

    func createSession(userID: String? = nil, expiresIn: Int = 3600) async throws -> StubSession {
        try await admin { try $0.createSession(userID: userID, expiresIn: expiresIn) }
    }

    func liveSessions(userID: String) async throws -> Set<String> {
        Set(try await admin { try $0.liveSessions(userID: userID) })
    }

    func addFault(_ fault: StubFault) async throws {
        try await admin { try $0.addFault(fault) }
    }

    /// The logout requests the stand-in received, oldest first.
    func logoutRequests() async throws -> [StubRequest] {
        try await admin { try $0.requests() }.filter { $0.path == "/auth/v1/logout" }
    }

    /// Runs `work` on a new thread and waits for it without holding a thread of the cooperative pool.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    static func offload(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                work()
                continuation.resume()
            }
        }
    }
}

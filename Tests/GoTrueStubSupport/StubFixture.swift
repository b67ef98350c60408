import Foundation
import HTTPClient
import Logging

/// A fresh Supabase Auth stand-in and HTTP client per test, so faults and connections never leak between tests.
///
/// The stand-in's launcher and admin calls block their thread, so they run on threads of their own: blocking the
/// few threads of Swift's cooperative pool would delay the client's resumptions and distort retries and deadlines.
public struct StubFixture: Sendable {
    public static let userAgent = "logout-fcgi-tests/1.0"
    public static let silentLogger = Logger(label: "stub-fixture", factory: { _ in SwiftLogNoOpLogHandler() })

    public let stub: GoTrueStub
    public let http: HTTPClient

    public init(stub: GoTrueStub, http: HTTPClient) {
        self.stub = stub
        self.http = http
    }

    /// Runs `body` with this fixture's stand-in reset first.
    public func reset(then body: (StubFixture) async throws -> Void) async throws {
        try await admin { try $0.reset() }
        try await body(self)
    }

    /// Runs `body` with a started stand-in and client, and stops both afterwards.
    public static func with(_ body: (StubFixture) async throws -> Void) async throws {
        let stub = try await offload { try GoTrueStub.start() }
        let http: HTTPClient
        do {
            http = try HTTPClient(userAgent: userAgent, logger: silentLogger)
        } catch {
            await offload { stub.stop() }
            throw error
        }
        do {
            try await body(StubFixture(stub: stub, http: http))
        } catch {
            http.shutdown()
            await offload { stub.stop() }
            throw error
        }
        http.shutdown()
        await offload { stub.stop() }
    }

    /// Runs a blocking call to the stand-in on a thread of its own.
    public func admin<T: Sendable>(_ call: @escaping @Sendable (GoTrueStub) throws -> T) async throws -> T {
        let stub = self.stub
        return try await Self.offload { try call(stub) }
    }

    public func createSession(userID: String? = nil, expiresIn: Int = 3600) async throws -> StubSession {
        try await admin { try $0.createSession(userID: userID, expiresIn: expiresIn) }
    }

    public func liveSessions(userID: String) async throws -> Set<String> {
        Set(try await admin { try $0.liveSessions(userID: userID) })
    }

    public func addFault(_ fault: StubFault) async throws {
        try await admin { try $0.addFault(fault) }
    }

    /// The logout requests the stand-in received, oldest first.
    public func logoutRequests() async throws -> [StubRequest] {
        try await admin { try $0.requests() }.filter { $0.path == "/auth/v1/logout" }
    }

    /// Runs `work` on a new thread and waits for it without holding a thread of the cooperative pool.
    public static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    public static func offload(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                work()
                continuation.resume()
            }
        }
    }
}

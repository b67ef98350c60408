import HTTPClient

/// A stand-in kept for a whole test run (`static let stub = SharedStub()`), started on a thread of its own
/// when a test first asks for it.
///
/// A `static let` that started it directly would do so on a thread of Swift's cooperative pool, and every
/// test reaching that `let` meanwhile would hold another: on a small machine the whole pool then waits the
/// seconds Python takes to start, and every other test's revocation misses its deadline between two steps.
public struct SharedStub: Sendable {
    private let starting: Task<GoTrueStub, any Error>

    public init() {
        starting = Task { try await StubFixture.offload { try GoTrueStub.start() } }
    }

    public var value: GoTrueStub {
        get async throws { try await starting.value }
    }
}

/// A stand-in and client kept for a whole test run, for a `.serialized` suite: each of its tests starts
/// from a reset stand-in, and the machine starts one Python process instead of one per test. Started as
/// ``SharedStub`` is, off the cooperative pool.
public struct SharedStubFixture: Sendable {
    private let stub = SharedStub()
    private let http: Task<HTTPClient, any Error>

    public init() {
        http = Task { try HTTPClient(userAgent: StubFixture.userAgent, logger: StubFixture.silentLogger) }
    }

    /// Runs `body` with the stand-in reset first.
    public func reset(then body: (StubFixture) async throws -> Void) async throws {
        try await StubFixture(stub: stub.value, http: http.value).reset(then: body)
    }
}

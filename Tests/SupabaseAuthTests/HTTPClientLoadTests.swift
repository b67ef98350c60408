import GoTrueStubSupport
import SupabaseAuth
import Testing

/// `CurlHTTPClient` with many transfers in flight at once: each finishes, times out or is cancelled on its own.
@Suite("CurlHTTPClient under load")
struct HTTPClientLoadTests {
    private static let wide = CurlHTTPClient.Configuration(
        maxHostConnections: 512, maxCachedConnections: 512, maxIdleHandles: 512)

    private static func client() throws -> CurlHTTPClient {
        try CurlHTTPClient(
            userAgent: RevocationTestFixture.userAgent, logger: RevocationTestFixture.silentLogger,
            configuration: wide)
    }

    private static func logout(_ stub: GoTrueStub) -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: stub.url + "/auth/v1/logout?scope=local",
            headers: [HTTPHeader("apikey", stub.anonKey), HTTPHeader("Authorization", "Bearer a.b.c")])
    }

    @Test func fiveHundredSlowTransfersInFlightAllComplete() async throws {
        try await RevocationTestFixture.with { fixture in
            let http = try Self.client()
            defer { http.shutdown() }
            try await fixture.addFault(.delay(ms: 300, times: nil))
            let request = Self.logout(fixture.stub)
            let statuses = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<500 {
                    group.addTask { try? await http.send(request, timeout: .seconds(30)).get().status }
                }
                return await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 403, count: 500))
            #expect(try await fixture.logoutRequests().count == 500)
        }
    }

    @Test func aStalledTransferTimesOutWhileOthersFinish() async throws {
        try await RevocationTestFixture.with { fixture in
            let http = try Self.client()
            defer { http.shutdown() }
            try await fixture.addFault(.delay(ms: 10_000, times: 1))
            let request = Self.logout(fixture.stub)
            let clock = ContinuousClock()
            let started = clock.now
            let stalled = Task { await http.send(request, timeout: .milliseconds(1_500)) }
            try await Self.waitUntil { try await fixture.logoutRequests().count == 1 }
            let statuses = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<50 {
                    group.addTask { try? await http.send(request, timeout: .seconds(10)).get().status }
                }
                return await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 403, count: 50))
            #expect(await stalled.value == .failure(.timedOut))
            #expect(clock.now - started < .seconds(8))
        }
    }

    @Test func cancellingOneOfManyStopsOnlyThatOne() async throws {
        try await RevocationTestFixture.with { fixture in
            let http = try Self.client()
            defer { http.shutdown() }
            try await fixture.addFault(.delay(ms: 2_000, times: nil))
            let request = Self.logout(fixture.stub)
            let others = (0..<40).map { _ in Task { await http.send(request, timeout: .seconds(30)) } }
            let cancelled = Task { await http.send(request, timeout: .seconds(30)) }
            try await Self.waitUntil { try await fixture.logoutRequests().count == 41 }
            cancelled.cancel()
            #expect(await cancelled.value == .failure(.cancelled))
            for other in others {
                #expect(try await other.value.get().status == 403)
            }
        }
    }

    /// Polls `condition` every 20 ms for at most 10 s.
    private static func waitUntil(_ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let limit = clock.now + .seconds(10)
        while try await !condition() {
            try #require(clock.now < limit, "condition not met within 10 s")
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

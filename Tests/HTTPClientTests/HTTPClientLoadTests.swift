import GoTrueStubSupport
import HTTPClient
import HTTPHeaders
import Testing

/// `HTTPClient` with many transfers in flight at once: each finishes, times out or is cancelled on its own.
@Suite("HTTPClient under load")
struct HTTPClientLoadTests {
    private static let wide = HTTPClient.Configuration(
        maxHostConnections: 512, maxCachedConnections: 512)

    private static func client() throws -> HTTPClient {
        try HTTPClient(
            userAgent: StubFixture.userAgent, logger: StubFixture.silentLogger,
            configuration: wide)
    }

    private static func logout(_ stub: GoTrueStub) -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: stub.url + "/auth/v1/logout?scope=local",
            headers: [HTTPHeader("apikey", stub.anonKey), HTTPHeader("Authorization", "Bearer a.b.c")])
    }

    @Test func fiveHundredSlowTransfersInFlightAllComplete() async throws {
        try await StubFixture.with { fixture in
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
        try await StubFixture.with { fixture in
            let http = try Self.client()
            defer { http.shutdown() }
            try await fixture.addFault(.delay(ms: 10_000, times: 1))
            let request = Self.logout(fixture.stub)
            let clock = ContinuousClock()
            let started = clock.now
            let stalled = Task { await http.send(request, timeout: .milliseconds(1_500)) }
            try await waitUntil { try await fixture.logoutRequests().count == 1 }
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
        try await StubFixture.with { fixture in
            let http = try Self.client()
            defer { http.shutdown() }
            try await fixture.addFault(.delay(ms: 2_000, times: nil))
            let request = Self.logout(fixture.stub)
            let others = (0..<40).map { _ in Task { await http.send(request, timeout: .seconds(30)) } }
            let cancelled = Task { await http.send(request, timeout: .seconds(30)) }
            try await waitUntil { try await fixture.logoutRequests().count == 41 }
            cancelled.cancel()
            #expect(await cancelled.value == .failure(.cancelled))
            for other in others {
                #expect(try await other.value.get().status == 403)
            }
        }
    }
}

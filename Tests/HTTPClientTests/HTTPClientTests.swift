import GoTrueStubSupport
import HTTPClient
import HTTPHeaders
import Testing

/// `HTTPClient` itself against the Supabase Auth stand-in: responses, limits, failures, cancellation, shutdown.
@Suite("HTTPClient")
struct HTTPClientTests {
    private static func client(_ configuration: HTTPClient.Configuration = .init()) throws -> HTTPClient {
        try HTTPClient(
            userAgent: StubFixture.userAgent, logger: StubFixture.silentLogger,
            configuration: configuration)
    }

    private static func logout(_ stub: GoTrueStub, token: String = "a.b.c") -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: stub.url + "/auth/v1/logout?scope=local",
            headers: [HTTPHeader("apikey", stub.anonKey), HTTPHeader("Authorization", "Bearer " + token)])
    }

    @Test func returnsStatusLowercasedHeadersAndBody() async throws {
        try await StubFixture.with { fixture in
            let response = try await fixture.http.send(
                HTTPRequest(method: "GET", url: fixture.stub.jwksURL), timeout: .seconds(5)
            ).get()
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() })
            #expect(String(decoding: response.body, as: UTF8.self).contains("\"keys\""))
        }
    }

    @Test func returnsErrorAnswersWithTheirCodeHeader() async throws {
        try await StubFixture.with { fixture in
            let response = try await fixture.http.send(Self.logout(fixture.stub), timeout: .seconds(5)).get()
            #expect(response.status == 403)
            #expect(response.header("x-sb-error-code") == "bad_jwt")
        }
    }

    @Test func fetchReturnsA2xxResponseWithItsHeadersAndThrowsOtherwise() async throws {
        try await StubFixture.with { fixture in
            let response = try await fixture.http.fetch(url: fixture.stub.jwksURL, timeout: .seconds(5))
            #expect(!response.body.isEmpty)
            #expect(response.header("Cache-Control") == "public, max-age=600")
            await #expect(throws: HTTPStatusError(status: 404)) {
                try await fixture.http.fetch(url: fixture.stub.url + "/auth/v1/nothing", timeout: .seconds(5))
            }
        }
    }

    @Test func sendsManyRequestsAtOnce() async throws {
        try await StubFixture.with { fixture in
            let statuses = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try? await fixture.http.send(
                            HTTPRequest(method: "GET", url: fixture.stub.jwksURL), timeout: .seconds(10)
                        ).get().status
                    }
                }
                return await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 40))
        }
    }

    @Test func refusesABodyOverTheLimit() async throws {
        try await StubFixture.with { fixture in
            let http = try Self.client(.init(maxBodyBytes: 8))
            defer { http.shutdown() }
            let result = await http.send(HTTPRequest(method: "GET", url: fixture.stub.jwksURL), timeout: .seconds(5))
            #expect(result == .failure(.responseTooLarge))
        }
    }

    @Test(arguments: [HTTPHeader("X-Bad", "split\r\nInjected: yes"), HTTPHeader("Bad Name", "v"), HTTPHeader("", "v")])
    func refusesAHeaderThatWouldSplitTheRequest(header: HTTPHeader) async throws {
        try await StubFixture.with { fixture in
            let result = await fixture.http.send(
                HTTPRequest(method: "GET", url: fixture.stub.jwksURL, headers: [header]), timeout: .seconds(5))
            #expect(result == .failure(.invalidRequest))
            let received = try await fixture.admin { try $0.requests() }
            #expect(received.isEmpty)
        }
    }

    @Test func reportsAClosedPortAsCouldNotConnect() async throws {
        let closedURL = try await StubFixture.offload {
            let gone = try GoTrueStub.start()
            defer { gone.stop() }
            return gone.url
        }
        let http = try Self.client()
        defer { http.shutdown() }
        let result = await http.send(HTTPRequest(method: "GET", url: closedURL + "/"), timeout: .seconds(5))
        #expect(result == .failure(.couldNotConnect))
    }

    @Test func reportsASlowAnswerAsTimedOut() async throws {
        try await StubFixture.with { fixture in
            try await fixture.addFault(.delay(ms: 5_000, times: nil))
            let result = await fixture.http.send(Self.logout(fixture.stub), timeout: .milliseconds(200))
            #expect(result == .failure(.timedOut))
        }
    }

    @Test func aTransferQueuedBehindAConnectionStillBeingSetUpTimesOutOnItsOwnDeadline() async throws {
        // The first transfer opens a connection whose TLS handshake never finishes; the second waits in the
        // client for that connection and must fail at its own (short) deadline, not when the first gives up.
        let listener = try SilentListener()
        let http = try Self.client(.init(connectTimeout: .seconds(60)))
        defer { http.shutdown() }
        let request = HTTPRequest(method: "GET", url: "https://127.0.0.1:\(listener.port)/")
        let opener = Task { await http.send(request, timeout: .seconds(30)) }
        try await waitUntil { listener.acceptWaiting() == 1 }
        let clock = ContinuousClock()
        let start = clock.now
        let queued = await http.send(request, timeout: .milliseconds(300))
        let waited = clock.now - start

        #expect(queued == .failure(.timedOut))
        #expect(waited < .seconds(20), "waited \(waited)")
        opener.cancel()
        #expect(await opener.value == .failure(.cancelled))
    }

    @Test func reportsAResetAsConnectionReset() async throws {
        try await StubFixture.with { fixture in
            try await fixture.addFault(.reset(times: 1))
            let result = await fixture.http.send(Self.logout(fixture.stub), timeout: .seconds(5))
            #expect(result == .failure(.connectionReset))
        }
    }

    @Test func cancellingTheTaskStopsTheTransfer() async throws {
        try await StubFixture.with { fixture in
            try await fixture.addFault(.delay(ms: 10_000, times: nil))
            let http = fixture.http
            let request = Self.logout(fixture.stub)
            let task = Task { await http.send(request, timeout: .seconds(30)) }
            try await waitUntil { try await fixture.admin { try $0.requests() }.count == 1 }
            task.cancel()
            #expect(await task.value == .failure(.cancelled))
        }
    }

    @Test func anAlreadyCancelledTaskSendsNothing() async throws {
        try await StubFixture.with { fixture in
            let http = fixture.http
            let request = Self.logout(fixture.stub)
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await http.send(request, timeout: .seconds(5))
            }
            #expect(await task.value == .failure(.cancelled))
            let received = try await fixture.admin { try $0.requests() }
            #expect(received.isEmpty)
        }
    }

    @Test func shutdownFailsWhatIsPendingAndWhatComesLater() async throws {
        try await StubFixture.with { fixture in
            let http = try Self.client()
            #expect(http.isAlive)
            try await fixture.addFault(.delay(ms: 10_000, times: nil))
            let request = Self.logout(fixture.stub)
            let pending = Task { await http.send(request, timeout: .seconds(30)) }
            try await waitUntil { try await fixture.admin { try $0.requests() }.count == 1 }
            http.shutdown()
            #expect(await pending.value == .failure(.shutdown))
            #expect(await http.send(request, timeout: .seconds(1)) == .failure(.shutdown))
            #expect(!http.isAlive)
            http.shutdown()
        }
    }

    @Test func describesErrorsWithShortBoundedLabels() {
        #expect(HTTPClientError.couldNotConnect.description == "could_not_connect")
        #expect(HTTPClientError.timedOut.description == "timed_out")
        #expect(HTTPClientError.connectionReset.description == "connection_reset")
        #expect(HTTPClientError.other(curlCode: 35).description == "curl_error_35")
    }
}

import GoTrueStubSupport
import HTTPClient
import HTTPHeaders
import Testing

/// `HTTPClient` over TLS: nginx with a certificate from a private CA in front of the stand-in, HTTP/2 by ALPN.
@Suite("HTTPClient over TLS")
struct HTTPClientTLSTests {
    /// Starts a stand-in, the TLS front before it and a client trusting the front's CA; stops all three.
    private static func withFront(
        trusting: Bool = true, receiveBufferBytes: Int = 4096,
        _ body: (GoTrueStub, TLSFront, HTTPClient) async throws -> Void
    ) async throws {
        try await StubFixture.with { fixture in
            let front = try await StubFixture.offload { try TLSFront.start(upstream: fixture.stub) }
            defer { front.stop() }
            let trust = trusting ? try TrustedCertificates(pem: front.caPEM) : nil
            // These tests start beside dozens of other suites on two cores, where a TLS handshake has taken longer
            // than the default 2 s to connect (a run from a fresh clone timed 5 of 160 HTTP/1.1 transfers out that way).
            // What they check is not the connect timeout.
            let http = try HTTPClient(
                userAgent: StubFixture.userAgent, logger: StubFixture.silentLogger,
                configuration: .init(
                    maxHostConnections: 512, maxCachedConnections: 512, connectTimeout: .seconds(30),
                    receiveBufferBytes: receiveBufferBytes, additionalTrust: trust))
            defer { http.shutdown() }
            try await body(fixture.stub, front, http)
        }
    }

    private static func logout(_ base: String, anonKey: String) -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: base + "/auth/v1/logout?scope=local",
            headers: [HTTPHeader("apikey", anonKey), HTTPHeader("Authorization", "Bearer a.b.c")])
    }

    /// Sends `count` copies of `request`, `concurrency` at a time; the statuses, nil for a failed transfer.
    private static func send(
        _ request: HTTPRequest, count: Int, concurrency: Int, with http: HTTPClient
    ) async -> [Result<Int, HTTPClientError>] {
        await withTaskGroup(of: Result<Int, HTTPClientError>.self) { group in
            var results: [Result<Int, HTTPClientError>] = []
            for index in 0..<count {
                if index >= concurrency, let result = await group.next() { results.append(result) }
                group.addTask { await http.send(request, timeout: .seconds(60)).map(\.status) }
            }
            for await result in group { results.append(result) }
            return results
        }
    }

    @Test func aThousandTransfersAt512AtOnceMultiplexOnAFewHTTP2Connections() async throws {
        try await Self.withFront { stub, front, http in
            try await StubFixture.offload { try stub.addFault(.delay(ms: 50, times: nil)) }
            let request = Self.logout(front.url(.http2), anonKey: stub.anonKey)

            let results = await Self.send(request, count: 1000, concurrency: 512, with: http)

            let failures = results.compactMap { result -> HTTPClientError? in
                if case .failure(let error) = result { return error }
                return nil
            }
            let logged = front.accessLog(.http2)
            #expect(Set(logged.map(\.protocolVersion)) == ["HTTP/2.0"])
            #expect(failures.count == 0, "failures: \(Set(failures))")
            #expect(results.filter { (try? $0.get()) == 403 }.count == 1000)
            #expect(logged.count == 1000)
            let connections = Set(logged.map(\.connection))
            #expect(connections.count <= 8, "\(connections.count) connections")
        }
    }

    @Test func transfersAlternatingBetweenHTTP1AndHTTP2WithTheSmallestReceiveBufferNeverFail() async throws {
        // HTTP/2, HTTP/1.1 over TLS and plain HTTP/1.1 in turn, each answer read 1 KiB at a time at most.
        try await Self.withFront(receiveBufferBytes: 1024) { stub, front, http in
            let origins = [front.url(.http2), front.url(.http1), stub.url]
            var failures: [HTTPClientError] = []
            for round in 0..<60 {
                let request = Self.logout(origins[round % origins.count], anonKey: stub.anonKey)
                for result in await Self.send(request, count: 8, concurrency: 8, with: http) {
                    if case .failure(let error) = result { failures.append(error) }
                }
            }
            #expect(failures.isEmpty, "\(failures.count) failed: \(Set(failures))")
            #expect(Set(front.accessLog(.http2).map(\.protocolVersion)) == ["HTTP/2.0"])
            #expect(Set(front.accessLog(.http1).map(\.protocolVersion)) == ["HTTP/1.1"])
            #expect(front.accessLog(.http2).count == 160 && front.accessLog(.http1).count == 160)
        }
    }

    @Test(arguments: [
        (TLSFront.Listener.unknownCA, HTTPClientError.tlsUnknownCA),
        (.wrongName, .tlsNameMismatch),
        (.expired, .tlsCertificateExpired),
    ])
    func aCertificateThatDoesNotVerifySendsNothing(listener: TLSFront.Listener, expected: HTTPClientError)
        async throws
    {
        try await Self.withFront { stub, front, http in
            let result = await http.send(Self.logout(front.url(listener), anonKey: stub.anonKey), timeout: .seconds(10))

            #expect(result.map(\.status) == .failure(expected))
            #expect(expected.isCertificateFailure && !expected.isTransient)
            #expect(front.accessLog(listener).isEmpty)
        }
    }

    @Test func withoutTheAdditionalTrustThePrivateCAIsUnknown() async throws {
        try await Self.withFront(trusting: false) { stub, front, http in
            let result = await http.send(Self.logout(front.url(.http2), anonKey: stub.anonKey), timeout: .seconds(10))

            #expect(result.map(\.status) == .failure(.tlsUnknownCA))
        }
    }
}

/// Reading a PEM bundle of additional certificate authorities.
@Suite("TrustedCertificates")
struct TrustedCertificatesTests {
    /// A real CA certificate, PEM: the TLS front's.
    private static func caPEM() async throws -> [UInt8] {
        try await StubFixture.offload {
            let stub = try GoTrueStub.start()
            defer { stub.stop() }
            let front = try TLSFront.start(upstream: stub)
            defer { front.stop() }
            return front.caPEM
        }
    }

    @Test func countsTheCertificatesOfABundleAndRejectsADamagedOne() async throws {
        let pem = try await Self.caPEM()
        #expect(try TrustedCertificates(pem: pem + Array("\n".utf8) + pem).count == 2)

        // One base64 line less: the DER inside no longer has the length it announces.
        var lines = String(decoding: pem, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        lines.remove(at: 2)
        #expect(throws: TrustedCertificates.Problem.malformedCertificate(index: 2)) {
            try TrustedCertificates(pem: pem + Array(lines.joined(separator: "\n").utf8))
        }
    }

    @Test func rejectsTextWithoutACertificate() {
        #expect(throws: TrustedCertificates.Problem.noCertificate) {
            try TrustedCertificates(pem: Array("not a certificate\n".utf8))
        }
        #expect(throws: TrustedCertificates.Problem.malformedCertificate(index: 1)) {
            try TrustedCertificates(pem: Array("-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n".utf8))
        }
    }

    @Test func namesAFileThatCannotBeRead() {
        #expect(throws: TrustedCertificates.Problem.unreadable("no such file")) {
            try TrustedCertificates.load(path: "/nonexistent/ca.pem")
        }
    }
}

import FastCGI
import Testing

@Suite("FastCGI replies over a real socket")
struct FastCGIReplyTests {
    @Test func nowReplyWritesStatusRepeatedHeadersLengthAndBody() async throws {
        let running = try RunningServer.start(
            responder: ClosureResponder { _ in
                .now(
                    FastCGIResponse(
                        status: 201,
                        headers: [
                            .init("Content-Type", "application/json"), .init("Set-Cookie", "a=; Max-Age=0"),
                            .init("Set-Cookie", "b=; Max-Age=0"),
                        ],
                        body: "{\"ok\":true}"))
            })
        let reply = try await running.client.send(params: [("REQUEST_METHOD", "GET")])
        try await running.stop()

        #expect(
            reply.text
                == "Status: 201 Created\r\nContent-Type: application/json\r\nSet-Cookie: a=; Max-Age=0\r\n"
                + "Set-Cookie: b=; Max-Age=0\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
        #expect(reply.protocolStatus == 0)
        #expect(reply.values(of: "Set-Cookie") == ["a=; Max-Age=0", "b=; Max-Age=0"])
    }

    @Test func laterReplyIsWrittenWhenTheWorkFinishes() async throws {
        let running = try RunningServer.start(
            responder: ClosureResponder { request in
                let method = request.param("REQUEST_METHOD") ?? "none"
                return .later(whenOverloaded: { .text(503, "busy") }) {
                    await Task.yield()
                    return .text(200, "later \(method)")
                }
            })
        let reply = try await running.client.send(params: [("REQUEST_METHOD", "POST")])
        #expect(await poll { running.server.inFlight == 0 })
        try await running.stop()

        #expect(reply.status == 200)
        #expect(reply.body == "later POST")
        #expect(reply.values(of: "Content-Length") == ["10"])
    }

    @Test func paramsAreLookedUpByName() async throws {
        let running = try RunningServer.start(
            responder: ClosureResponder { request in
                let names = ["REQUEST_METHOD", "HTTP_COOKIE", "LONG", "EMPTY", "MISSING"]
                let body = names.map { "\($0)=\(request.param($0) ?? "<nil>")" }.joined(separator: "\n")
                return .now(.text(200, body))
            })
        let long = String(repeating: "x", count: 300)
        let reply = try await running.client.send(params: [
            ("REQUEST_METHOD", "POST"), ("HTTP_COOKIE", "a=1; b=2"), ("LONG", long), ("EMPTY", ""),
        ])
        try await running.stop()

        #expect(reply.body == "REQUEST_METHOD=POST\nHTTP_COOKIE=a=1; b=2\nLONG=\(long)\nEMPTY=\nMISSING=<nil>")
    }

    @Test func manyConcurrentRequestsAreEachAnsweredOnce() async throws {
        let running = try RunningServer.start(
            workerThreads: 4, maxInFlight: 64,
            responder: ClosureResponder { request in
                let id = request.param("ID") ?? "?"
                if Int(id)! % 2 == 0 { return .now(.text(200, "now \(id)")) }
                return .later(whenOverloaded: { .text(503, "busy") }) { .text(200, "later \(id)") }
            })
        let client = running.client
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for id in 0..<64 {
                group.addTask { try await client.send(params: [("ID", "\(id)")]).body }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        try await running.stop()

        let expected = Set((0..<64).map { $0 % 2 == 0 ? "now \($0)" : "later \($0)" })
        #expect(bodies == expected)
    }

    @Test func tcpListenerServesRequests() async throws {
        let running = try RunningServer.start(
            address: .tcp(host: "127.0.0.1", port: 0),
            responder: ClosureResponder { _ in .now(.text(200, "tcp")) })
        #expect(running.server.localPort.map { $0 > 0 } == true)
        let reply = try await running.client.send()
        try await running.stop()
        #expect(reply.body == "tcp")
    }
}

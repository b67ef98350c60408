import FastCGI
import Testing

@Suite("FastCGI request bodies")
struct FastCGIBodyTests {
    /// Answers with the body length, whether it was too large, and the body itself.
    static let echo = ClosureResponder { request in
        .now(
            .text(200, "\(request.body.count) \(request.bodyTooLarge) \(String(decoding: request.body, as: UTF8.self))")
        )
    }

    @Test func noBodyWithEmptyContentLength() async throws {
        let running = try RunningServer.start(responder: Self.echo)
        let reply = try await running.client.send(params: [("REQUEST_METHOD", "POST"), ("CONTENT_LENGTH", "")])
        try await running.stop()
        #expect(reply.body == "0 false ")
    }

    @Test func bodyUnderTheLimitWithoutContentLength() async throws {
        let running = try RunningServer.start(bodyLimit: 64, responder: Self.echo)
        let reply = try await running.client.send(params: [("REQUEST_METHOD", "POST")], body: Array("hello body".utf8))
        try await running.stop()
        #expect(reply.body == "10 false hello body")
    }

    @Test func bodyOfExactlyTheLimitInSeveralRecords() async throws {
        let running = try RunningServer.start(bodyLimit: 64, responder: Self.echo)
        let body = String(repeating: "abcdefgh", count: 8)
        let reply = try await running.client.send(
            params: [("CONTENT_LENGTH", "64")], body: Array(body.utf8), stdinChunk: 5)
        try await running.stop()
        #expect(reply.body == "64 false \(body)")
    }

    @Test func bodyOverTheLimitIsCutAndFlagged() async throws {
        let running = try RunningServer.start(bodyLimit: 16, responder: Self.echo)
        let reply = try await running.client.send(
            params: [("CONTENT_LENGTH", "")], body: Array("0123456789abcdefXYZ".utf8))
        try await running.stop()
        #expect(reply.body == "16 true 0123456789abcdef")
    }

    @Test func largeBodyIsDrainedAndTheConnectionStillAnswered() async throws {
        let running = try RunningServer.start(bodyLimit: 4096, responder: Self.echo)
        let body = [UInt8](repeating: UInt8(ascii: "z"), count: 200_000)
        let reply = try await running.client.send(params: [("CONTENT_LENGTH", "200000")], body: body)
        // The next request on the same workers is unaffected.
        let next = try await running.client.send(body: Array("ok".utf8))
        try await running.stop()
        #expect(reply.body == "4096 true " + String(repeating: "z", count: 4096))
        #expect(next.body == "2 false ok")
    }

    @Test func aRequestOverTheByteLimitIsClosedUnansweredAndTheNextIsServed() async throws {
        let running = try RunningServer.start(bodyLimit: 4096, responder: Self.echo)
        let body = [UInt8](repeating: UInt8(ascii: "z"), count: 300_000)
        await #expect(throws: (any Error).self) {
            _ = try await running.client.send(params: [("CONTENT_LENGTH", "300000")], body: body)
        }
        let next = try await running.client.send(body: Array("ok".utf8))
        try await running.stop()
        #expect(next.body == "2 false ok")
    }
}

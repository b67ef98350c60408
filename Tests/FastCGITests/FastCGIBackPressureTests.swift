import FastCGI
import Glibc
import Testing

/// Peers that do not read their replies and peers that buffer more than the budget allows: the
/// worker goes on serving everyone else.
@Suite("FastCGI back-pressure and budget")
struct FastCGIBackPressureTests {
    /// 64 KiB replies: a few fill any socket buffer.
    static let large = ClosureResponder { _ in .now(.text(200, String(repeating: "r", count: 64 * 1024))) }

    static func pipelined(_ count: Int) -> [UInt8] {
        let one = FastCGITestClient.requestBytes(params: [], body: [], stdinChunk: 65535, keepConnection: true)
        return Array([[UInt8]](repeating: one, count: count).joined())
    }

    @Test func aPeerThatDoesNotReadHoldsNoWorkerAndGetsEveryReplyOnceItReads() async throws {
        let running = try RunningServer.start(workerThreads: 1, responder: Self.large)
        let fd = try FastCGITestClient.connect(running.endpoint)
        defer { close(fd) }
        try FastCGITestClient.writeAll(fd, Self.pipelined(64))
        // 4 MiB of replies wait for this peer; the one worker answers another connection meanwhile.
        for _ in 0..<3 {
            #expect(try await running.client.send().body.count == 64 * 1024)
        }
        let replies = try await onThread {
            try (0..<64).map { _ in try FastCGITestClient.readReply(fd).body.count }
        }
        #expect(replies == [Int](repeating: 64 * 1024, count: 64))
        try await running.stop()
    }

    @Test func aPeerThatDoesNotReadWithinTheWriteTimeoutIsClosed() async throws {
        let running = try RunningServer.start(
            workerThreads: 1, configure: { $0.writeTimeout = .seconds(1) }, responder: Self.large)
        let fd = try FastCGITestClient.connect(running.endpoint)
        defer { close(fd) }
        let started = ContinuousClock.now
        try FastCGITestClient.writeAll(fd, Self.pipelined(64))
        // Parked with its reply unread, then closed once the write timeout has passed.
        #expect(await poll(limit: .seconds(10)) { running.server.connectionsWaitingForARequest == 1 })
        #expect(await poll(limit: .seconds(10)) { running.server.connectionsWaitingForARequest == 0 })
        #expect(ContinuousClock.now - started >= .seconds(1))
        // What was written before the timeout arrives, then the end of the connection.
        let answered = try await onThread { () -> Int in
            var count = 0
            while (try? FastCGITestClient.readReply(fd)) != nil { count += 1 }
            return count
        }
        #expect(answered < 64)
        #expect(try await running.client.send().body.count == 64 * 1024)
        try await running.stop()
    }

    @Test func pastTheBudgetTheConnectionThatBufferedMostAndLongestAgoIsClosedFirst() async throws {
        let ok = ClosureResponder { _ in .now(.text(200, "ok")) }
        let running = try RunningServer.start(
            workerThreads: 1, configure: { $0.maxBufferedBytes = 320 * 1024 }, responder: ok)
        // Half requests: a BEGIN_REQUEST, then 60,000 bytes of params that never end.
        let header = FastCGITestClient.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0])
        let params = FastCGITestClient.record(type: 4, content: [11, 127] + [UInt8](repeating: 120, count: 59_998))
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        for count in [1, 1, 1, 2] {
            let fd = try FastCGITestClient.connect(running.endpoint)
            held.append(fd)
            try FastCGITestClient.writeAll(fd, header + Array([[UInt8]](repeating: params, count: count).joined()))
        }
        #expect(await poll { running.server.connectionsWaitingForARequest == 4 })
        #expect(running.server.connectionsClosedForBudget == 0)
        // 311,144 bytes held, within the budget. Past 100 ms the four are no longer recent; a fifth
        // that needs room closes the one with the most bytes, the fourth.
        try await Task.sleep(for: .milliseconds(150))
        let fifth = try FastCGITestClient.connect(running.endpoint)
        held.append(fifth)
        try FastCGITestClient.writeAll(fifth, header + params + params)
        #expect(await poll { running.server.connectionsClosedForBudget >= 1 && running.server.bufferedBytes <= 320 * 1024 })
        // The fourth was closed: the end of the connection, not the 10 s receive timeout.
        var byte: UInt8 = 0
        let received = recv(held[3], &byte, 1, 0)
        #expect(received == 0 || received < 0 && errno == ECONNRESET)
        // A whole request still gets in.
        #expect(try await running.client.send().body == "ok")
        try await running.stop()
    }
}

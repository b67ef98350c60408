import Glibc
import Testing

@testable import FastCGI

@Suite("FastCGI response bytes and inherited sockets")
struct FastCGIWireTests {
    private func text(_ response: FastCGIResponse) -> String {
        String(decoding: response.wireBytes(), as: UTF8.self)
    }

    @Test func statusLineHeadersInOrderLengthInBytesAndBody() {
        let response = FastCGIResponse(
            status: 401,
            headers: [.init("Cache-Control", "no-store"), .init("Set-Cookie", "a=1"), .init("Set-Cookie", "b=2")],
            body: "é")
        #expect(
            text(response)
                == "Status: 401 Unauthorized\r\nCache-Control: no-store\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                + "Content-Length: 2\r\n\r\né")
    }

    @Test func headersThatWouldSplitTheHeaderBlockAreLeftOut() {
        let response = FastCGIResponse(
            status: 200,
            headers: [
                .init("X-Injected", "a\r\nSet-Cookie: evil=1"), .init("Bad Name", "v"), .init("Bad:Name", "v"),
                .init("", "v"), .init("content-length", "999"), .init("X-Fine", "yes"),
            ])
        #expect(text(response) == "Status: 200 OK\r\nX-Fine: yes\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func unknownStatusesGetTheirClassAsReason() {
        #expect(text(FastCGIResponse(status: 299)).hasPrefix("Status: 299 Success\r\n"))
        #expect(text(FastCGIResponse(status: 599)).hasPrefix("Status: 599 Server Error\r\n"))
        #expect(text(FastCGIResponse(status: 503)).hasPrefix("Status: 503 Service Unavailable\r\n"))
    }

    @Test func inheritedSocketIsFd3OnlyWhenPassedToThisProcess() {
        #expect(ListeningSocket.inheritedDescriptor(listenFDs: "1", listenPID: "42", processID: 42) == 3)
        #expect(ListeningSocket.inheritedDescriptor(listenFDs: "1", listenPID: "41", processID: 42) == 0)
        #expect(ListeningSocket.inheritedDescriptor(listenFDs: "2", listenPID: "42", processID: 42) == 0)
        #expect(ListeningSocket.inheritedDescriptor(listenFDs: nil, listenPID: nil, processID: 42) == 0)
    }

    @Test func anInheritedDescriptorThatIsNotAListeningSocketIsRefused() {
        // fd 0 of the test runner is not a listening socket.
        #expect(throws: FastCGIError.noInheritedSocket) { _ = try ListeningSocket.adopt(-1) }
        #expect(throws: FastCGIError.noInheritedSocket) { _ = try ListeningSocket.adopt(0) }
    }

    @Test func defaultWorkerThreadsFollowTheCoresWithinBounds() {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #expect(FastCGIServer.Configuration.defaultWorkerThreads == min(64, max(2, cores)))
    }
}

@Suite("FastCGI response lengths")
struct FastCGIWireLengthTests {
    @Test(arguments: [0, 1, 9, 10, 99, 100, 4096, 100_000])
    func contentLengthIsTheBodysByteCount(_ length: Int) {
        let response = FastCGIResponse(status: 200, body: String(repeating: "a", count: length))
        let text = String(decoding: response.wireBytes(), as: UTF8.self)
        #expect(text.contains("\r\nContent-Length: \(length)\r\n\r\n"))
        #expect(text.hasPrefix("Status: 200 OK\r\n"))
    }

    @Test(arguments: [200, 299, 401, 404, 405, 500, 503, 599])
    func theHeadCountIsTheWrittenHead(status: Int) {
        let response = FastCGIResponse(
            status: status,
            headers: [
                .init("Content-Type", "application/json"), .init("Set-Cookie", "a=; Path=/"),
                .init("X-Injected", "a\r\nb"), .init("content-length", "999"),
            ],
            body: #"{"data":{"success":true}}"#)
        let wire = response.wireBytes()
        let head = wire.count - response.body.utf8.count
        #expect(wire[..<head].suffix(4).elementsEqual("\r\n\r\n".utf8))
        #expect(response.headByteCount == head)
        #expect(response.headers.map(FastCGIResponse.lineByteCount) == [32, 24, 0, 0])
    }
}

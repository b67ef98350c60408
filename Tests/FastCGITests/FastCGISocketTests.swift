import FastCGI
import FoundationEssentials
import Glibc
import POSIXSupport
import Testing

@Suite("FastCGI listening sockets")
struct FastCGISocketTests {
    static let ok = ClosureResponder { _ in .now(.text(200, "ok")) }

    @Test func liveSocketPathRefusesASecondServer() async throws {
        let running = try RunningServer.start(responder: Self.ok)
        let path = running.directory.socketPath
        #expect(throws: FastCGIError.socketInUse(path: path)) {
            _ = try FastCGIServer(
                configuration: .init(listenAddress: .unix(path: path), logger: quietLogger), responder: Self.ok)
        }
        // The first server keeps its socket and keeps answering.
        #expect(try await running.client.send().body == "ok")
        try await running.stop()
    }

    @Test func stalePathIsReplacedAndTheSocketIsMode0660() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.socketPath
        try makeStaleSocket(at: path)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FastCGITestClient.canConnect(.unix(path)))

        let running = try RunningServer.start(address: .unix(path: path), responder: Self.ok)
        var status = stat()
        #expect(lstat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o660)
        #expect(try await running.client.send().body == "ok")
        try await running.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func somethingOtherThanASocketIsLeftAlone() throws {
        let directory = try TemporaryDirectory()
        let path = directory.socketPath
        try "keep me".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: FastCGIError.pathIsNotASocket(path)) {
            _ = try FastCGIServer(
                configuration: .init(listenAddress: .unix(path: path), logger: quietLogger), responder: Self.ok)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func pathTooLongIsRefused() throws {
        let path = "/tmp/" + String(repeating: "p", count: 120)
        #expect(throws: FastCGIError.socketPathTooLong(path)) {
            _ = try FastCGIServer(
                configuration: .init(listenAddress: .unix(path: path), logger: quietLogger), responder: Self.ok)
        }
    }

    @Test func aServerThatNeverRanRemovesItsSocket() throws {
        let directory = try TemporaryDirectory()
        let path = directory.socketPath
        do {
            let server = try FastCGIServer(
                configuration: .init(listenAddress: .unix(path: path), logger: quietLogger), responder: Self.ok)
            #expect(server.liveWorkers == 0)
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aDrainingServerDoesNotRemoveItsSuccessorsSocket() async throws {
        let gate = Gate()
        let old = try RunningServer.start(
            responder: ClosureResponder { _ in
                .later(whenOverloaded: { .text(503, "busy") }) {
                    await gate.wait()
                    return .text(200, "old")
                }
            })
        let path = old.directory.socketPath
        let pending = Task { try await old.client.send() }
        #expect(await poll { old.server.inFlight == 1 })
        old.server.shutdownGracefully()
        #expect(await poll { !FastCGITestClient.canConnect(.unix(path)) })

        // The old socket no longer accepts, so the new server treats its path as stale.
        let new = try RunningServer.start(address: .unix(path: path), responder: Self.ok)
        gate.open()
        #expect(try await pending.value.body == "old")
        try await old.run.value
        #expect(try await new.client.send().body == "ok")
        try await new.stop()
    }

    @Test func listenAddressesParse() throws {
        #expect(try FastCGIListenAddress(parsing: "unix:/run/logout/fcgi.sock") == .unix(path: "/run/logout/fcgi.sock"))
        #expect(try FastCGIListenAddress(parsing: "127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(try FastCGIListenAddress(parsing: "localhost:0") == .tcp(host: "localhost", port: 0))
        #expect(try FastCGIListenAddress(parsing: "[::1]:9001") == .tcp(host: "::1", port: 9001))
        #expect(try FastCGIListenAddress(parsing: ":9002") == .tcp(host: "", port: 9002))
        #expect(try FastCGIListenAddress(parsing: "*:9003") == .tcp(host: "", port: 9003))
        #expect(try FastCGIListenAddress(parsing: "inherited") == .inherited)
        for bad in ["", "unix:", "9000", "host:", "host:70000", "host:-1", "::1:9000", "[::1]", "[]:80", "tcp://h:1"] {
            #expect(throws: FastCGIError.invalidListenAddress(bad)) { try FastCGIListenAddress(parsing: bad) }
        }
    }

    @Test func ipv6LoopbackListenerServesRequests() async throws {
        let running: RunningServer
        do {
            running = try RunningServer.start(address: .tcp(host: "::1", port: 0), responder: Self.ok)
        } catch FastCGIError.systemCall(SystemCallError("bind", errno: EADDRNOTAVAIL)) {
            return  // no IPv6 loopback on this machine
        } catch FastCGIError.unresolvableHost {
            return
        }
        #expect(try await running.client.send().body == "ok")
        try await running.stop()
    }

    /// Binds a unix socket at `path` and closes it without removing the file.
    private func makeStaleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw TestClientError(description: "bind: errno \(errno)") }
    }
}

import FastCGI
import FoundationEssentials
import Glibc
import ServiceLifecycle
import Synchronization
import Testing

@Suite("FastCGI graceful shutdown")
struct FastCGIShutdownTests {
    static func gated(_ gate: Gate, answer: String = "finished") -> ClosureResponder {
        ClosureResponder { _ in
            .later(whenOverloaded: { .text(503, "busy") }) {
                await gate.wait()
                return .text(200, answer)
            }
        }
    }

    @Test func stopsAcceptingLetsTheInFlightRequestFinishThenReturns() async throws {
        let gate = Gate()
        let running = try RunningServer.start(responder: Self.gated(gate))
        let path = running.directory.socketPath
        #expect(await poll { running.server.isHealthy })
        let pending = Task { try await running.client.send() }
        #expect(await poll { running.server.inFlight == 1 })

        let returned = Atomic<Bool>(false)
        let waiter = Task {
            try await running.run.value
            returned.store(true, ordering: .releasing)
        }
        running.server.shutdownGracefully()
        #expect(await poll { !FastCGITestClient.canConnect(.unix(path)) })
        #expect(await poll { running.server.liveWorkers == 0 })
        #expect(!running.server.isHealthy)
        // Still draining: the deferred request holds run() open.
        let returnedEarly = returned.load(ordering: .acquiring)
        #expect(!returnedEarly)

        gate.open()
        let reply = try await pending.value
        #expect(reply.status == 200)
        #expect(reply.body == "finished")
        try await waiter.value
        #expect(running.server.inFlight == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aConnectionAcceptedBeforeTheStopStillGetsItsAnswer() async throws {
        let running = try RunningServer.start(responder: ClosureResponder { _ in .now(.text(200, "served")) })
        let server = running.server
        let path = running.directory.socketPath
        // nginx connects first and writes a moment later: a stop in between must not lose the request.
        let reply = try await running.client.connectThenSend {
            #expect(await poll { server.connectionsWaitingForARequest == 1 })
            server.shutdownGracefully()
            #expect(await poll { !FastCGITestClient.canConnect(.unix(path)) })
        }
        #expect(reply.body == "served")
        try await running.run.value
        #expect(server.connectionsWaitingForARequest == 0)
    }

    @Test func serviceGroupGracefulShutdownStopsTheServer() async throws {
        let gate = Gate()
        let directory = try TemporaryDirectory()
        let path = directory.socketPath
        let server = try FastCGIServer(
            configuration: .init(listenAddress: .unix(path: path), workerThreads: 2, logger: quietLogger),
            responder: Self.gated(gate))
        let group = ServiceGroup(configuration: .init(services: [server], logger: quietLogger))
        let running = Task { try await group.run() }
        #expect(await poll { server.isHealthy && FastCGITestClient.canConnect(.unix(path)) })
        let client = FastCGITestClient(endpoint: .unix(path))
        let pending = Task { try await client.send() }
        #expect(await poll { server.inFlight == 1 })

        await group.triggerGracefulShutdown()
        #expect(await poll { !FastCGITestClient.canConnect(.unix(path)) })
        gate.open()
        #expect(try await pending.value.body == "finished")
        try await running.value
        #expect(server.liveWorkers == 0)
    }

    @Test func cancellingRunStopsTheServerToo() async throws {
        let running = try RunningServer.start(responder: ClosureResponder { _ in .now(.text(200, "ok")) })
        #expect(try await running.client.send().body == "ok")
        running.run.cancel()
        try await running.run.value
        #expect(running.server.liveWorkers == 0)
        #expect(!FileManager.default.fileExists(atPath: running.directory.socketPath))
    }

    @Test func drainGivesUpAfterTheTimeout() async throws {
        let gate = Gate()
        let running = try RunningServer.start(drainTimeout: .milliseconds(100), responder: Self.gated(gate))
        let pending = Task { try await running.client.send() }
        #expect(await poll { running.server.inFlight == 1 })
        let started = ContinuousClock.now
        try await running.stop()
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(running.server.inFlight == 1)
        // The straggler still gets its answer once its work ends.
        gate.open()
        #expect(try await pending.value.body == "finished")
    }

    @Test func anInheritedSocketIsLeftListeningWhenTheWorkersStop() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.socketPath
        let fd = try Self.listeningUnixSocket(at: path)
        defer { close(fd) }
        let gate = Gate()
        let running = try RunningServer.start(
            workerThreads: 4, drainTimeout: .seconds(30), address: .fileDescriptor(fd), endpoint: .unix(path),
            responder: Self.gated(gate, answer: "inherited"))
        #expect(running.server.localPort == nil)
        let pending = Task { try await running.client.send() }
        #expect(await poll { running.server.inFlight == 1 })

        let started = ContinuousClock.now
        running.server.shutdownGracefully()
        // Every worker stops although the socket was not shut down.
        #expect(await poll { running.server.liveWorkers == 0 })
        gate.open()
        #expect(try await pending.value.body == "inherited")
        try await running.run.value
        #expect(ContinuousClock.now - started < .seconds(10))

        // The socket belongs to whoever passed it in: still open, still listening, path kept.
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0)
        #expect(accepting == 1)
        #expect(FastCGITestClient.canConnect(.unix(path)))
    }

    @Test func aClientThatHangsUpDoesNotHurtTheServer() async throws {
        let gate = Gate()
        let running = try RunningServer.start(
            workerThreads: 2,
            responder: ClosureResponder { request in
                if request.param("NOW") != nil { return .now(.text(200, "now")) }
                return .later(whenOverloaded: { .text(503, "busy") }) {
                    await gate.wait()
                    return .text(200, String(repeating: "x", count: 200_000))
                }
            })
        try await running.client.sendAndHangUp()
        #expect(await poll { running.server.inFlight == 1 })
        gate.open()
        #expect(await poll { running.server.inFlight == 0 })

        // A request cut off inside its params, and one that hangs up before an inline reply.
        try await running.client.sendTruncated(params: [("REQUEST_METHOD", "POST"), ("NOW", "1")], keeping: 20)
        try await running.client.sendAndHangUp(params: [("NOW", "1")])

        #expect(try await running.client.send(params: [("NOW", "1")]).body == "now")
        #expect(running.server.isHealthy)
        try await running.stop()
    }

    /// A unix socket listening at `path`, made here as a service manager would.
    static func listeningUnixSocket(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, bound == 0, listen(fd, 64) == 0 else {
            throw TestClientError(description: "listening socket: errno \(errno)")
        }
        return fd
    }
}

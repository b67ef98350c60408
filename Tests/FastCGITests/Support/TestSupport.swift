import FastCGI
import FoundationEssentials
import Glibc
import Logging
import Synchronization

/// Warnings and errors only: the transport logs its start and stop at info.
let quietLogger: Logger = {
    var logger = Logger(label: "fastcgi-test")
    logger.logLevel = .warning
    return logger
}()

/// A responder made of a closure.
struct ClosureResponder: FastCGIResponder {
    let handler: @Sendable (borrowing FastCGIRequest) -> FastCGIReply

    init(_ handler: @escaping @Sendable (borrowing FastCGIRequest) -> FastCGIReply) {
        self.handler = handler
    }

    func respond(to request: borrowing FastCGIRequest) -> FastCGIReply {
        handler(request)
    }
}

/// Holds deferred work until the test opens it, and counts who is waiting.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var arrivals = 0
    }

    private let state = Mutex(State())

    var arrivals: Int { state.withLock { $0.arrivals } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let openAlready = state.withLock { state -> Bool in
                state.arrivals += 1
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if openAlready { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A fresh directory under /tmp with a short name (unix socket paths must stay under 108 bytes).
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/fcgi-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestClientError(description: "mkdtemp failed: errno \(errno)")
        }
        path = String(cString: created)
    }

    var socketPath: String { path + "/s.sock" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Polls `condition` every few milliseconds until it holds or `limit` passes.
func poll(limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A running server on a unix socket in a temporary directory (or the given address).
struct RunningServer: Sendable {
    let server: FastCGIServer
    let endpoint: TestEndpoint
    let directory: TemporaryDirectory
    let run: Task<Void, any Error>

    var client: FastCGITestClient { FastCGITestClient(endpoint: endpoint) }

    static func start(
        workerThreads: Int = 3,
        maxInFlight: Int = 16,
        bodyLimit: Int = 4096,
        drainTimeout: Duration = .seconds(10),
        address: FastCGIListenAddress? = nil,
        endpoint knownEndpoint: TestEndpoint? = nil,
        configure: (inout FastCGIServer.Configuration) -> Void = { _ in },
        responder: some FastCGIResponder
    ) throws -> RunningServer {
        let directory = try TemporaryDirectory()
        let address = address ?? .unix(path: directory.socketPath)
        var configuration = FastCGIServer.Configuration(
            listenAddress: address, workerThreads: workerThreads, maxInFlight: maxInFlight,
            bodyLimit: bodyLimit, drainTimeout: drainTimeout, logger: quietLogger)
        configure(&configuration)
        let server = try FastCGIServer(configuration: configuration, responder: responder)
        let endpoint: TestEndpoint
        switch address {
        case .unix(let path): endpoint = .unix(path)
        case .tcp(let host, _): endpoint = .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: server.localPort ?? 0)
        case .inherited, .fileDescriptor: endpoint = knownEndpoint ?? .unix(directory.socketPath)
        }
        let run = Task { try await server.run() }
        return RunningServer(server: server, endpoint: endpoint, directory: directory, run: run)
    }

    /// Stops the server and waits for run() to return.
    func stop() async throws {
        server.shutdownGracefully()
        try await run.value
    }
}

extension FastCGIResponse {
    static func text(_ status: Int, _ body: String) -> FastCGIResponse {
        FastCGIResponse(status: status, headers: [.init("Content-Type", "text/plain")], body: body)
    }
}

import CFastCGI
import Glibc
import Logging
import POSIXSupport

/// One worker thread's event loop: it accepts from the shared listening socket, reads every
/// connection it accepted without blocking, and serves each request once it has arrived whole.
/// A connection that sends nothing, half a request, or idles after a kept-alive request costs a
/// slot in this poll set and its buffer, never a thread.
struct WorkerLoop: ~Copyable {
    private enum Token {
        static let listener = UInt64.max
        static let stop = UInt64.max - 1
    }

    private let server: FastCGIServer
    private let poll: EventPoll
    private var connections: [Int32: PendingConnection] = [:]
    private var deadlines = DeadlineQueue()
    /// Where a new connection's first read lands; a request that arrives whole in it is served
    /// from it, with no buffer of its own.
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private let bodyScratch: UnsafeMutableRawBufferPointer
    private var exchange = FastCGIExchange()
    private var isStopping = false

    private var configuration: FastCGIServer.Configuration { server.configuration }
    private var logger: Logger { server.logger }

    init(server: FastCGIServer) throws(FastCGIError) {
        let poll = try SystemCalls.failingAsTransportError { () throws(SystemCallError) -> EventPoll in
            let poll = try EventPoll(capacity: 64)
            try poll.add(server.socket.fd, for: [.readable, .exclusive], token: Token.listener)
            try poll.add(server.stopEvent.fd, for: .readable, token: Token.stop)
            return poll
        }
        self.server = server
        self.poll = poll
        receiveBuffer = .allocate(byteCount: 64 * 1024, alignment: 8)
        bodyScratch = .allocate(byteCount: max(server.configuration.bodyLimit + 1, 4096), alignment: 16)
    }

    deinit {
        for connection in connections.values { SystemCalls.close(connection.fd) }
        server.waitingConnections.subtract(connections.count, ordering: .relaxed)
        exchange.release()
        receiveBuffer.deallocate()
        bodyScratch.deallocate()
    }

    /// Runs until the server stops and every request that had started arriving is answered or
    /// timed out.
    mutating func run() {
        while !(isStopping && connections.isEmpty) {
            let now = MonotonicClock.milliseconds()
            let wait = deadlines.millisecondsUntilNext(now: now) { connections[$0]?.deadline == $1 }
            let ready = (try? poll.wait(timeoutMilliseconds: wait.map { Int32(clamping: $0) } ?? -1)) ?? 0
            for index in 0..<ready {
                switch poll.event(at: index).token {
                case Token.listener: acceptConnections()
                case Token.stop: stopAccepting()
                case let fd: receive(on: Int32(truncatingIfNeeded: fd))
                }
            }
            let expired = deadlines.popExpired(now: MonotonicClock.milliseconds()) { connections[$0]?.deadline == $1 }
            for fd in expired {
                if let connection = connections[fd] { drop(connection, reason: "read_timeout") }
            }
        }
    }

    // MARK: Accepting

    /// Accepts a bounded batch, so that one busy worker leaves the next connections to the others;
    /// when stopping, everything already queued, so that no connection is left to be reset.
    private mutating func acceptConnections(untilEmpty: Bool = false) {
        var batch = 0
        while untilEmpty || batch < 16 {
            batch += 1
            let fd = cfcgi_accept_nonblocking(server.socket.fd)
            if fd < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                if code != EAGAIN { pauseAfterAcceptFailure(code) }
                return
            }
            guard ReplayTable.covers(fd) else {
                SystemCalls.close(fd)
                logger.warning("A FastCGI connection's descriptor is past the open-file limit; closed")
                continue
            }
            receiveFirst(on: fd)
        }
    }

    /// Reads what a new connection has already sent; a whole request is served at once, else the
    /// connection waits in the poll set.
    private mutating func receiveFirst(on fd: Int32) {
        var framing = RequestFraming(limit: configuration.requestByteLimit)
        let count = Glibc.read(fd, receiveBuffer.baseAddress, receiveBuffer.count)
        if count < 0, errno != EAGAIN, errno != EINTR {
            SystemCalls.close(fd)
            return
        }
        if count == 0 {
            SystemCalls.close(fd)
            return
        }
        let received = UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<max(count, 0)])
        switch framing.advance(over: received) {
        case .complete(let byteCount, let keepConnection):
            let kept = serve(fd, request: UnsafeRawBufferPointer(rebasing: received[0..<byteCount]), keepConnection: keepConnection)
            guard kept else { return }
            park(PendingConnection(
                fd: fd, received: UnsafeRawBufferPointer(rebasing: received[byteCount...]),
                framing: RequestFraming(limit: configuration.requestByteLimit), deadline: nextDeadline(),
                hasServedARequest: true))
        case .needMore:
            park(PendingConnection(
                fd: fd, received: received, framing: framing, deadline: nextDeadline(), hasServedARequest: false))
        case .invalid(let violation):
            SystemCalls.close(fd)
            logRefused(violation)
        }
    }

    private mutating func park(_ connection: PendingConnection) {
        if isStopping, connection.isIdleAfterARequest {
            SystemCalls.close(connection.fd)
            return
        }
        do {
            try poll.add(connection.fd, for: .readable, token: UInt64(connection.fd))
        } catch {
            SystemCalls.close(connection.fd)
            logger.warning("A FastCGI connection could not be watched", metadata: ["fastcgi.error": "\(error)"])
            return
        }
        connections[connection.fd] = connection
        server.waitingConnections.add(1, ordering: .relaxed)
        deadlines.append(connection)
        // Bytes already here (a pipelined request) produce no new readiness event.
        if connection.count > 0 { advance(connection) }
    }

    // MARK: Reading

    private mutating func receive(on fd: Int32) {
        guard let connection = connections[fd] else { return }
        while true {
            let space = connection.spaceForReading()
            let count = Glibc.read(fd, space.baseAddress, space.count)
            if count > 0 {
                connection.didRead(count)
                guard advance(connection) else { return }
                if count < space.count { return }
                continue
            }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN { return }
            drop(connection, reason: count == 0 ? "closed_by_peer" : "read_failed")
            return
        }
    }

    /// Runs the framing over what `connection` holds and serves every whole request in it.
    /// Returns true while the connection stays open and waiting for more.
    @discardableResult
    private mutating func advance(_ connection: PendingConnection) -> Bool {
        while true {
            switch connection.framing.advance(over: connection.received) {
            case .needMore:
                return true
            case .invalid(let violation):
                drop(connection, reason: nil)
                logRefused(violation)
                return false
            case .complete(let byteCount, let keepConnection):
                let request = UnsafeRawBufferPointer(rebasing: connection.received[0..<byteCount])
                forget(connection)
                try? poll.remove(connection.fd)
                guard serve(connection.fd, request: request, keepConnection: keepConnection) else { return false }
                connection.dropFirst(byteCount, nextDeadline: nextDeadline())
                park(connection)
                return connections[connection.fd] === connection
            }
        }
    }

    // MARK: Serving

    /// Serves one whole request. Returns true when its connection stays open for the next one
    /// (a kept-alive connection answered here); false when it was closed or handed to a deferred
    /// reply.
    private mutating func serve(_ fd: Int32, request bytes: UnsafeRawBufferPointer, keepConnection: Bool) -> Bool {
        let code = exchange.accept(connection: fd, request: bytes)
        guard code == 0 else {
            // Cannot happen for a request the framing accepted; libfcgi has closed the connection.
            logger.warning("libfcgi refused a validated request", metadata: ["fastcgi.error": "\(code)"])
            if !exchange.isConnectionClosed { SystemCalls.close(fd) }
            return false
        }
        switch server.serve(exchange, bodyScratch: bodyScratch) {
        case .answered:
            guard !exchange.isConnectionClosed else { return false }
            exchange.forgetConnection(fd)
            if isStopping {
                SystemCalls.close(fd)
                return false
            }
            return true
        case .deferred:
            exchange = FastCGIExchange()
            return false
        }
    }

    // MARK: Closing

    private mutating func drop(_ connection: PendingConnection, reason: String?) {
        forget(connection)
        SystemCalls.close(connection.fd)
        if let reason {
            logger.debug("FastCGI connection closed", metadata: ["fastcgi.reason": "\(reason)"])
        }
    }

    private mutating func forget(_ connection: PendingConnection) {
        guard connections.removeValue(forKey: connection.fd) != nil else { return }
        server.waitingConnections.subtract(1, ordering: .relaxed)
    }

    /// Stops taking new connections. Kept-alive connections idle between requests are closed; the
    /// others may still deliver their request (one just accepted has often not sent it yet), within
    /// the read timeout.
    private mutating func stopAccepting() {
        guard !isStopping else { return }
        isStopping = true
        acceptConnections(untilEmpty: true)
        try? poll.remove(server.socket.fd)
        server.workersAccepting.subtract(1, ordering: .releasing)
        try? poll.remove(server.stopEvent.fd)
        for connection in connections.values where connection.isIdleAfterARequest {
            drop(connection, reason: nil)
        }
    }

    private func nextDeadline() -> Int64 {
        MonotonicClock.milliseconds() + configuration.readTimeout.milliseconds()
    }

    private func logRefused(_ violation: FramingViolation) {
        logger.notice("Refused a FastCGI connection that broke the protocol", metadata: ["fastcgi.violation": "\(violation)"])
    }

    /// A lasting accept failure (no descriptors left) would otherwise wake this loop at once again.
    private func pauseAfterAcceptFailure(_ code: Int32) {
        logger.warning(
            "Accepting a FastCGI connection failed",
            metadata: ["fastcgi.error": "\(SystemCallError("accept4", errno: code))"])
        usleep(10_000)
    }
}

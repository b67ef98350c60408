import CFastCGI
import Glibc
import Logging
import POSIXSupport

/// One worker thread's event loop: it accepts from the shared listening socket, reads every
/// connection it accepted without blocking, serves each request once it has arrived whole, and
/// writes a reply the socket would not take at once when the socket turns writable.
/// A connection that sends nothing, half a request, idles after a kept-alive request or does not
/// read its reply costs a slot in this poll set and its buffer, never a thread; the buffers and
/// the connections of all workers together stay within the ``SocketBudget``.
struct WorkerLoop: ~Copyable {
    private enum Token {
        static let listener = UInt64.max
        static let stop = UInt64.max - 1
        static let inbox = UInt64.max - 2
    }

    /// What serving one request left the connection as.
    private enum Served {
        /// Closed, by libfcgi or here.
        case closed
        /// A task owns the connection now and will write the reply.
        case deferred
        /// Answered and kept alive for the next request.
        case kept
        /// Answered in part: the rest of the reply waits for the peer to read.
        case writing(UnsentReply)
    }

    private let server: FastCGIServer
    private let worker: Worker
    private let poll: EventPoll
    private var connections: [Int32: PendingConnection] = [:]
    private var readDeadlines = DeadlineQueue()
    private var writeDeadlines = DeadlineQueue()
    /// Where a new connection's first read lands; a request that arrives whole in it is served
    /// from it, with no buffer of its own.
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    private let bodyScratch: UnsafeMutableRawBufferPointer
    private var exchange = FastCGIExchange()
    private var isStopping = false
    /// Set while accepting is paused after a failure (no descriptors left), until then.
    private var acceptPausedUntil: Int64?
    private var acceptFailures = RateLimitedWarning()
    private var budgetClosures = RateLimitedWarning()
    /// The loop's clock, read once per wake-up.
    private var now: Int64 = MonotonicClock.milliseconds()

    private var configuration: FastCGIServer.Configuration { server.configuration }
    private var logger: Logger { server.logger }
    private var budget: SocketBudget { server.budget }

    init(server: FastCGIServer, worker: Worker) throws(FastCGIError) {
        let poll = try FastCGIError.failingAsTransportError { () throws(SystemCallError) -> EventPoll in
            let poll = try EventPoll(capacity: 64)
            try poll.add(server.socket.fd, for: [.readable, .exclusive], token: Token.listener)
            try poll.add(server.stopEvent.fd, for: .readable, token: Token.stop)
            try poll.add(worker.inbox.wakeup.fd, for: .readable, token: Token.inbox)
            return poll
        }
        self.server = server
        self.worker = worker
        self.poll = poll
        receiveBuffer = .allocate(byteCount: 64 * 1024, alignment: 8)
        bodyScratch = .allocate(byteCount: max(server.configuration.bodyLimit + 1, 4096), alignment: 16)
    }

    deinit {
        for connection in connections.values { SystemCall.close(connection.fd) }
        for (fd, _) in worker.inbox.close() { SystemCall.close(fd) }
        exchange.release()
        receiveBuffer.deallocate()
        bodyScratch.deallocate()
    }

    /// Runs until the server stops and every request that had started arriving is answered (its
    /// reply written) or timed out.
    mutating func run() {
        while !(isStopping && connections.isEmpty) {
            let timeout = millisecondsUntilNextDeadline()
            let ready = (try? poll.wait(timeoutMilliseconds: timeout)) ?? 0
            now = MonotonicClock.milliseconds()
            for index in 0..<ready {
                switch poll.event(at: index).token {
                case Token.listener: acceptConnections()
                case Token.stop: stopAccepting()
                case Token.inbox: takeInbox()
                case let fd: handleEvent(on: Int32(truncatingIfNeeded: fd))
                }
            }
            expireDeadlines()
            resumeAcceptingIfDue()
        }
    }

    private mutating func millisecondsUntilNextDeadline() -> Int32 {
        now = MonotonicClock.milliseconds()
        let reading = readDeadlines.millisecondsUntilNext(now: now) { fd, deadline in
            connections[fd].map { !$0.isWriting && $0.deadline == deadline } ?? false
        }
        let writing = writeDeadlines.millisecondsUntilNext(now: now) { fd, deadline in
            connections[fd].map { $0.isWriting && $0.deadline == deadline } ?? false
        }
        let resuming = acceptPausedUntil.map { max(0, $0 - now) }
        guard let next = Self.earlier(Self.earlier(reading, writing), resuming) else { return -1 }
        return Int32(clamping: next)
    }

    private static func earlier(_ first: Int64?, _ second: Int64?) -> Int64? {
        guard let first else { return second }
        guard let second else { return first }
        return min(first, second)
    }

    private mutating func expireDeadlines() {
        let readExpired = readDeadlines.popExpired(now: now) { fd, deadline in
            connections[fd].map { !$0.isWriting && $0.deadline == deadline } ?? false
        }
        for fd in readExpired {
            if let connection = connections[fd] { drop(connection, reason: "read_timeout") }
        }
        let writeExpired = writeDeadlines.popExpired(now: now) { fd, deadline in
            connections[fd].map { $0.isWriting && $0.deadline == deadline } ?? false
        }
        for fd in writeExpired {
            if let connection = connections[fd] { drop(connection, reason: "write_timeout") }
        }
    }

    private mutating func handleEvent(on fd: Int32) {
        guard let connection = connections[fd] else { return }
        if connection.isWriting {
            continueWriting(connection)
        } else {
            receive(on: connection)
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
                if code != EAGAIN { pauseAccepting(after: code) }
                return
            }
            guard ReplayTable.covers(fd) else {
                SystemCall.close(fd)
                pauseAccepting(after: EMFILE)
                return
            }
            receiveFirst(on: fd)
        }
    }

    /// Reads what a new connection has already sent; a whole request is served at once, else the
    /// connection waits in the poll set.
    private mutating func receiveFirst(on fd: Int32) {
        var framing = RequestFraming(limit: configuration.requestByteLimit)
        let count = Glibc.read(fd, receiveBuffer.baseAddress, receiveBuffer.count)
        if count == 0 || count < 0 && errno != EAGAIN && errno != EINTR {
            SystemCall.close(fd)
            return
        }
        let received = UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<max(count, 0)])
        switch framing.advance(over: received) {
        case .complete(let byteCount, let keepConnection):
            let request = UnsafeRawBufferPointer(rebasing: received[0..<byteCount])
            let rest = UnsafeRawBufferPointer(rebasing: received[byteCount...])
            switch serve(fd, request: request, keepConnection: keepConnection) {
            case .closed, .deferred:
                return
            case .kept:
                guard let connection = newConnection(fd, received: rest, hasServedARequest: true) else { return }
                if watch(connection) { advance(connection) }
            case .writing(let reply):
                guard let connection = newConnection(fd, received: rest, hasServedARequest: true) else { return }
                connection.startWriting(reply, deadline: now + configuration.writeTimeout.milliseconds())
                watch(connection)
            }
        case .needMore:
            guard let connection = newConnection(fd, received: received, framing: framing, hasServedARequest: false)
            else { return }
            watch(connection)
        case .invalid(let violation):
            SystemCall.close(fd)
            logRefused(violation)
        }
    }

    /// A connection to hold from now on, if the budget has room for it (after closing others);
    /// else it is closed.
    private mutating func newConnection(
        _ fd: Int32, received: UnsafeRawBufferPointer, framing: RequestFraming? = nil, hasServedARequest: Bool
    ) -> PendingConnection? {
        let capacity = PendingConnection.capacity(holding: received.count, hasServedARequest: hasServedARequest)
        guard makeRoom(forBytes: capacity, forANewConnection: true) else {
            SystemCall.close(fd)
            countClosedForBudget()
            return nil
        }
        guard
            let connection = PendingConnection(
                fd: fd, received: received, framing: framing ?? RequestFraming(limit: configuration.requestByteLimit),
                deadline: now + configuration.readTimeout.milliseconds(), hasServedARequest: hasServedARequest,
                budget: budget, now: now)
        else {
            SystemCall.close(fd)
            return nil
        }
        return connection
    }

    /// Adds a connection the loop does not watch yet to the poll set, for reading or (with a reply
    /// pending) for writing. False when it could not be added (it is closed).
    @discardableResult
    private mutating func watch(_ connection: PendingConnection) -> Bool {
        do {
            try poll.add(connection.fd, for: connection.isWriting ? .writable : .readable, token: UInt64(connection.fd))
        } catch {
            SystemCall.close(connection.fd)
            logger.warning("A FastCGI connection could not be watched", metadata: ["fastcgi.error": "\(error)"])
            return false
        }
        connections[connection.fd] = connection
        if connection.isWriting {
            writeDeadlines.append(connection)
        } else {
            readDeadlines.append(connection)
        }
        return true
    }

    // MARK: Reading

    private mutating func receive(on connection: PendingConnection) {
        while true {
            if let capacity = connection.capacityForNextRead {
                guard makeRoom(forBytes: capacity - connection.buffer.count, forANewConnection: false),
                    connections[connection.fd] === connection
                else {
                    if connections[connection.fd] === connection { closeForBudget(connection) }
                    return
                }
                guard connection.grow(to: capacity) else {
                    drop(connection, reason: "out_of_memory")
                    return
                }
            }
            let space = connection.spaceForReading()
            let count = Glibc.read(connection.fd, space.baseAddress, space.count)
            if count > 0 {
                connection.didRead(count, at: now)
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

    /// Serves every whole request `connection` holds, one after another: a loop, since a peer may
    /// pipeline thousands. Returns true while the connection stays open and reading.
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
                // Out of the table while it is answered: a deferred reply owns the connection.
                forget(connection)
                connection.stopHolding()
                switch serve(connection.fd, request: request, keepConnection: keepConnection) {
                case .closed:
                    return false
                case .deferred:
                    // The task may have closed the descriptor already: removing it then fails harmlessly.
                    try? poll.remove(connection.fd)
                    return false
                case .kept:
                    connection.holdAgain()
                    connections[connection.fd] = connection
                    connection.dropFirst(byteCount, nextDeadline: now + configuration.readTimeout.milliseconds())
                    readDeadlines.append(connection)
                case .writing(let reply):
                    connection.holdAgain()
                    connections[connection.fd] = connection
                    connection.dropFirst(byteCount, nextDeadline: now)
                    startWriting(reply, on: connection)
                    return false
                }
            }
        }
    }

    // MARK: Writing

    /// Parks the rest of a reply: the connection is watched for writing only, so it reads (and
    /// answers) nothing more until the peer has read it.
    private mutating func startWriting(_ reply: UnsentReply, on connection: PendingConnection) {
        connection.startWriting(reply, deadline: now + configuration.writeTimeout.milliseconds())
        guard rewatch(connection, for: .writable, failure: "write_failed") else { return }
        writeDeadlines.append(connection)
    }

    /// Watches `connection` for `events` alone; drops it, naming `failure`, when epoll refuses.
    private mutating func rewatch(_ connection: PendingConnection, for events: EventPoll.Events, failure: String) -> Bool {
        do {
            try poll.modify(connection.fd, for: events, token: UInt64(connection.fd))
            return true
        } catch {
            drop(connection, reason: failure)
            return false
        }
    }

    private mutating func continueWriting(_ connection: PendingConnection) {
        switch connection.writeReply() {
        case .blocked:
            return
        case .failed:
            drop(connection, reason: "write_failed")
        case .done(let reply):
            if reply.closesAfterwards || isStopping {
                drop(connection, reason: nil)
                return
            }
            connection.deadline = now + configuration.readTimeout.milliseconds()
            guard rewatch(connection, for: .readable, failure: "read_failed") else { return }
            readDeadlines.append(connection)
            // Requests pipelined behind the one just answered are here already.
            advance(connection)
        }
    }

    /// Deferred replies the socket would not take, handed over by their tasks; and a nudge to look
    /// at the budget.
    private mutating func takeInbox() {
        for (fd, reply) in worker.inbox.takeReplies() {
            guard
                let connection = PendingConnection(
                    fd: fd, received: UnsafeRawBufferPointer(start: nil, count: 0),
                    framing: RequestFraming(limit: configuration.requestByteLimit), deadline: now,
                    hasServedARequest: true, budget: budget, now: now)
            else {
                SystemCall.close(fd)
                continue
            }
            connection.startWriting(reply, deadline: now + configuration.writeTimeout.milliseconds())
            watch(connection)
        }
        closeStaleConnectionsWhileOverBudget()
    }

    // MARK: Serving

    /// Serves one whole request.
    private mutating func serve(_ fd: Int32, request bytes: UnsafeRawBufferPointer, keepConnection: Bool) -> Served {
        let code = exchange.accept(connection: fd, request: bytes)
        guard code == 0 else {
            // Cannot happen for a request the framing accepted; libfcgi has closed the connection.
            logger.warning("libfcgi refused a validated request", metadata: ["fastcgi.error": "\(code)"])
            if !exchange.isConnectionClosed { SystemCall.close(fd) }
            return .closed
        }
        switch server.serve(exchange, on: fd, bodyScratch: bodyScratch, inbox: worker.inbox) {
        case .answered:
            let unsent = exchange.takeUnsentReply()
            // Closed by libfcgi; with reply bytes unsent the descriptor is still open for them.
            guard !exchange.isConnectionClosed else { return unsent.map(Served.writing) ?? .closed }
            exchange.forgetConnection(fd)
            if var unsent {
                unsent.closesAfterwards = isStopping
                return .writing(unsent)
            }
            if isStopping {
                SystemCall.close(fd)
                return .closed
            }
            return .kept
        case .deferred:
            exchange = FastCGIExchange()
            return .deferred
        }
    }

    // MARK: The budget

    /// Whether `bytes` more request bytes (and a new connection, when `forANewConnection`) fit in the
    /// budget, after closing connections as the order in ``worstConnection(includingRecent:)``
    /// says: first this worker's connections whose last byte is not recent; then, having nudged
    /// the other workers to do the same, recent ones here once the budget is passed by more than
    /// its slack. A connection passed in may be among those closed.
    private mutating func makeRoom(forBytes bytes: Int, forANewConnection: Bool) -> Bool {
        guard isOverBudget(adding: bytes, aNewConnection: forANewConnection, beyondSlack: false) else { return true }
        while isOverBudget(adding: bytes, aNewConnection: forANewConnection, beyondSlack: false),
            let victim = worstConnection(includingRecent: false)
        {
            closeForBudget(victim)
        }
        guard isOverBudget(adding: bytes, aNewConnection: forANewConnection, beyondSlack: false) else { return true }
        for other in server.workers where other !== worker { other.inbox.nudge() }
        while isOverBudget(adding: bytes, aNewConnection: forANewConnection, beyondSlack: true),
            let victim = worstConnection(includingRecent: true)
        {
            closeForBudget(victim)
        }
        return !isOverBudget(adding: bytes, aNewConnection: forANewConnection, beyondSlack: true)
    }

    /// After a nudge: closes this worker's connections whose last byte is not recent while the
    /// budget is passed.
    private mutating func closeStaleConnectionsWhileOverBudget() {
        while isOverBudget(adding: 0, aNewConnection: false, beyondSlack: false),
            let victim = worstConnection(includingRecent: false)
        {
            closeForBudget(victim)
        }
    }

    private func isOverBudget(adding bytes: Int, aNewConnection: Bool, beyondSlack: Bool) -> Bool {
        budget.isExceeded(byAdding: bytes, connection: aNewConnection, answering: server.inFlight, beyondSlack: beyondSlack)
    }

    /// The connection to close first: one whose last byte is not recent before a recent one; then
    /// one that has delivered no whole request before a kept-alive one; then the most bytes held;
    /// then the longest idle.
    private func worstConnection(includingRecent: Bool) -> PendingConnection? {
        var worst: PendingConnection?
        var worstRank = (0, 0, 0, Int64.max)
        for connection in connections.values {
            let isRecent = now - connection.lastActivity < SocketBudget.recentMilliseconds
            if isRecent, !includingRecent { continue }
            let rank = (
                isRecent ? 1 : 0, connection.hasServedARequest ? 1 : 0, -connection.heldBytes, connection.lastActivity
            )
            if worst == nil || rank < worstRank {
                worst = connection
                worstRank = rank
            }
        }
        return worst
    }

    private mutating func closeForBudget(_ connection: PendingConnection) {
        drop(connection, reason: "budget")
        countClosedForBudget()
    }

    private mutating func countClosedForBudget() {
        budget.didCloseForBudget()
        guard let suppressed = budgetClosures.occurred(at: now) else { return }
        logger.warning(
            "Closed FastCGI connections: the socket's budget is spent",
            metadata: [
                "fastcgi.buffered_bytes": "\(budget.bufferedBytes)",
                "fastcgi.max_buffered_bytes": "\(budget.maxBufferedBytes)",
                "fastcgi.open_connections": "\(budget.heldConnections + server.inFlight)",
                "fastcgi.max_connections": "\(budget.maxConnections)",
                "fastcgi.suppressed": "\(suppressed)",
            ])
    }

    // MARK: Closing

    private mutating func drop(_ connection: PendingConnection, reason: String?) {
        forget(connection)
        SystemCall.close(connection.fd)
        if let reason {
            logger.debug("FastCGI connection closed", metadata: ["fastcgi.reason": "\(reason)"])
        }
    }

    private mutating func forget(_ connection: PendingConnection) {
        if connections[connection.fd] === connection { connections[connection.fd] = nil }
    }

    /// Stops taking new connections. Kept-alive connections idle between requests are closed; the
    /// others may still deliver their request (one just accepted has often not sent it yet), within
    /// the read timeout, or have their reply read, within the write timeout.
    private mutating func stopAccepting() {
        guard !isStopping else { return }
        isStopping = true
        acceptPausedUntil = nil
        acceptConnections(untilEmpty: true)
        try? poll.remove(server.socket.fd)
        server.workersAccepting.subtract(1, ordering: .releasing)
        try? poll.remove(server.stopEvent.fd)
        for connection in connections.values where connection.isIdleAfterARequest {
            drop(connection, reason: nil)
        }
    }

    private func logRefused(_ violation: FramingViolation) {
        logger.notice("Refused a FastCGI connection that broke the protocol", metadata: ["fastcgi.violation": "\(violation)"])
    }

    /// A lasting accept failure (no descriptors left) would otherwise wake this loop at once again:
    /// the listening socket leaves the poll set for 10 ms, while the connections held are served on.
    private mutating func pauseAccepting(after code: Int32) {
        if let suppressed = acceptFailures.occurred(at: now) {
            logger.warning(
                "Accepting a FastCGI connection failed",
                metadata: [
                    "fastcgi.error": "\(SystemCallError("accept4", errno: code))",
                    "fastcgi.suppressed": "\(suppressed)",
                ])
        }
        guard !isStopping, acceptPausedUntil == nil else { return }
        try? poll.remove(server.socket.fd)
        acceptPausedUntil = now + 10
    }

    private mutating func resumeAcceptingIfDue() {
        guard let until = acceptPausedUntil, now >= until else { return }
        acceptPausedUntil = nil
        guard !isStopping else { return }
        try? poll.add(server.socket.fd, for: [.readable, .exclusive], token: Token.listener)
    }
}

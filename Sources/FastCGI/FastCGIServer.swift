import Logging
import POSIXSupport
import Synchronization

/// The FastCGI transport: worker threads, each with its own event loop over the shared listening
/// socket, that read requests without blocking, hand each whole request to the
/// ``FastCGIResponder`` and write its reply, inline (`.now`) or from a task that holds one
/// in-flight slot (`.later`).
///
/// The listening socket is opened by `init`, so a taken address fails before anything runs;
/// ``run()`` starts the workers and, on graceful shutdown, stops accepting and drains.
public final class FastCGIServer: Sendable {
    let configuration: Configuration
    let responder: any FastCGIResponder
    let socket: ListeningSocket
    let workers: [Worker]
    let slots: InFlightSlots
    /// Wakes every worker's event loop to stop.
    let stopEvent: EventCounter
    let stopSignal = StopSignal()
    let hasStarted = Atomic<Bool>(false)
    let isStopping = Atomic<Bool>(false)
    /// Request bytes and connections the workers hold, against their limits.
    let budget: SocketBudget
    /// Workers that have not yet taken their last connections from the listening socket.
    let workersAccepting: Atomic<Int>
    var logger: Logger { configuration.logger }

    /// Opens the listening socket (and initialises libfcgi once per process).
    /// - Throws: ``FastCGIError``, e.g. ``FastCGIError/socketInUse(path:)`` when a live process
    ///   already accepts on the unix socket path.
    public init(configuration: Configuration, responder: some FastCGIResponder) throws(FastCGIError) {
        precondition(configuration.workerThreads > 0, "workerThreads must be positive")
        precondition(configuration.maxInFlight >= 0, "maxInFlight must not be negative")
        precondition(configuration.bodyLimit >= 0, "bodyLimit must not be negative")
        precondition(configuration.readTimeout.milliseconds() > 0, "the read timeout must be positive")
        try FastCGILibrary.initialize()
        self.configuration = configuration
        self.responder = responder
        self.stopEvent = try FastCGIError.failingAsTransportError { () throws(SystemCallError) in try EventCounter() }
        self.socket = try ListeningSocket.open(configuration.listenAddress, backlog: configuration.listenBacklog)
        self.workers = try FastCGIError.failingAsTransportError { () throws(SystemCallError) in
            try (0..<configuration.workerThreads).map { (index) throws(SystemCallError) in try Worker(index: index) }
        }
        self.budget = SocketBudget(
            maxBufferedBytes: configuration.maxBufferedBytes, maxConnections: configuration.maxConnections,
            workers: configuration.workerThreads, requestByteLimit: configuration.requestByteLimit)
        self.workersAccepting = Atomic(configuration.workerThreads)
        self.slots = InFlightSlots(capacity: configuration.maxInFlight)
        // Workers accept in batches until the backlog is empty. An inherited socket is changed too,
        // which its service manager does not mind: it never accepts on it.
        let fd = socket.fd
        try FastCGIError.failingAsTransportError { () throws(SystemCallError) in try SystemCall.setNonBlocking(fd) }
    }

    deinit {
        // Only reached when run() never started the workers (each retains the server).
        if !hasStarted.load(ordering: .acquiring) {
            socket.closeIfOwned()
            socket.removeCreatedPath()
        }
    }

    /// Deferred replies being worked on now.
    public var inFlight: Int {
        slots.count
    }

    /// The most deferred replies worked on at once (`maxInFlight`).
    public var capacity: Int {
        slots.capacity
    }

    /// The TCP port listened on (useful with port 0); nil for unix sockets.
    public var localPort: Int? {
        socket.localPort
    }

    /// Connections the workers hold whose request has not fully arrived, kept-alive ones and
    /// those whose reply waits for the peer to read it included.
    public var connectionsWaitingForARequest: Int {
        budget.heldConnections
    }

    /// Connections open now: those the workers hold and those being answered.
    public var openConnections: Int {
        budget.heldConnections + inFlight
    }

    /// Request bytes the connections hold now.
    public var bufferedBytes: Int {
        budget.bufferedBytes
    }

    /// Connections closed since start because ``Configuration/maxBufferedBytes`` or
    /// ``Configuration/maxConnections`` was reached.
    public var connectionsClosedForBudget: Int {
        budget.closedForBudget
    }

    /// Worker threads whose loop is running.
    public var liveWorkers: Int {
        workers.reduce(0) { $0 + ($1.isAlive.load(ordering: .relaxed) ? 1 : 0) }
    }

    /// For a watchdog: true while running and every worker thread is alive.
    public var isHealthy: Bool {
        hasStarted.load(ordering: .relaxed) && !isStopping.load(ordering: .relaxed)
            && liveWorkers == workers.count
    }
}

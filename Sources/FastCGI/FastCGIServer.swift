import Logging
import Synchronization

/// The FastCGI transport: acceptor threads blocked in libfcgi's `FCGX_Accept_r`, each reading a
/// request, asking the ``FastCGIResponder`` and writing its reply, inline (`.now`) or from a task
/// that holds one in-flight slot (`.later`).
///
/// The listening socket is opened by `init`, so a taken address fails before anything runs;
/// ``run()`` starts the acceptors and, on graceful shutdown, stops accepting and drains.
public final class FastCGIServer: Sendable {
    let configuration: Configuration
    let responder: any FastCGIResponder
    let socket: ListeningSocket
    let acceptors: [Acceptor]
    let slots: InFlightSlots
    let stopSignal = StopSignal()
    let hasStarted = Atomic<Bool>(false)
    let isStopping = Atomic<Bool>(false)
    var logger: Logger { configuration.logger }

    /// Opens the listening socket (and initialises libfcgi once per process).
    /// - Throws: ``FastCGIError``, e.g. ``FastCGIError/socketInUse(path:)`` when a live process
    ///   already accepts on the unix socket path.
    public init(configuration: Configuration, responder: some FastCGIResponder) throws {
        precondition(configuration.acceptorThreads > 0, "acceptorThreads must be positive")
        precondition(configuration.maxInFlight >= 0, "maxInFlight must not be negative")
        precondition(configuration.bodyLimit >= 0, "bodyLimit must not be negative")
        try FastCGILibrary.initialize()
        self.configuration = configuration
        self.responder = responder
        self.socket = try ListeningSocket.open(configuration.listenAddress)
        self.acceptors = (0..<configuration.acceptorThreads).map(Acceptor.init(index:))
        self.slots = InFlightSlots(capacity: configuration.maxInFlight)
    }

    deinit {
        // Only reached when run() never started the acceptors (each retains the server).
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

    /// Acceptor threads whose loop is running.
    public var liveAcceptors: Int {
        acceptors.reduce(0) { $0 + ($1.isAlive.load(ordering: .relaxed) ? 1 : 0) }
    }

    /// For a watchdog: true while running and every acceptor thread is alive.
    public var isHealthy: Bool {
        hasStarted.load(ordering: .relaxed) && !isStopping.load(ordering: .relaxed)
            && liveAcceptors == acceptors.count
    }
}

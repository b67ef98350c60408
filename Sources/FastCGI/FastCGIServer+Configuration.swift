import Glibc
import Logging

extension FastCGIServer {
    /// How the transport listens, how many threads accept, and its limits.
    public struct Configuration: Sendable {
        /// Where to listen.
        public var listenAddress: FastCGIListenAddress
        /// Worker threads, each with its own event loop; each answers `.now` replies inline.
        public var workerThreads: Int
        /// Deferred (`.later`) replies worked on at once; beyond this, `whenOverloaded` is sent.
        public var maxInFlight: Int
        /// Body bytes kept per request; the excess is read and dropped, and flagged.
        public var bodyLimit: Int
        /// The most bytes one request may take on the wire (records, params, body, padding);
        /// a connection that sends more is closed.
        public var requestByteLimit: Int
        /// How long a connection may take to deliver a whole request, or wait idle for its next
        /// one after a kept-alive request, before it is closed.
        public var readTimeout: Duration
        /// How long a reply the socket would not take at once may wait for the peer to read before
        /// the connection is closed.
        public var writeTimeout: Duration
        /// Request bytes all connections together may buffer; past it, connections are closed
        /// (see ``FastCGIServer``).
        public var maxBufferedBytes: Int
        /// Connections held open at once (waiting for a request, kept alive, being answered or
        /// written to); past it, connections are closed as for ``maxBufferedBytes``.
        public var maxConnections: Int
        /// The `listen(2)` backlog of a socket this process binds; nil: the kernel's
        /// `net.core.somaxconn`. A socket passed in keeps the backlog its creator chose.
        public var listenBacklog: Int32?
        /// How long a graceful shutdown waits for in-flight requests.
        public var drainTimeout: Duration
        /// Start, stop, accept failures (warning) and web servers that went away (debug).
        public var logger: Logger

        /// One per core, at least 2 and at most 64: a worker never blocks on a socket, so more
        /// threads than cores would only take turns.
        public static var defaultWorkerThreads: Int {
            let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            return min(64, max(2, cores))
        }

        /// Defaults: ``defaultWorkerThreads``, 1024 in flight, a 4096-byte body, 256 KiB per
        /// request, 5 s to read a request, 5 s to write a reply, 64 MiB buffered, 8192
        /// connections, the kernel's backlog, 10 s to drain.
        public init(
            listenAddress: FastCGIListenAddress,
            workerThreads: Int = Configuration.defaultWorkerThreads,
            maxInFlight: Int = 1024,
            bodyLimit: Int = 4096,
            requestByteLimit: Int = 256 * 1024,
            readTimeout: Duration = .seconds(5),
            writeTimeout: Duration = .seconds(5),
            maxBufferedBytes: Int = 64 << 20,
            maxConnections: Int = 8192,
            listenBacklog: Int32? = nil,
            drainTimeout: Duration = .seconds(10),
            logger: Logger = Logger(label: "fastcgi")
        ) {
            self.listenAddress = listenAddress
            self.workerThreads = workerThreads
            self.maxInFlight = maxInFlight
            self.bodyLimit = bodyLimit
            self.requestByteLimit = requestByteLimit
            self.readTimeout = readTimeout
            self.writeTimeout = writeTimeout
            self.maxBufferedBytes = maxBufferedBytes
            self.maxConnections = maxConnections
            self.listenBacklog = listenBacklog
            self.drainTimeout = drainTimeout
            self.logger = logger
        }

    }
}

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
        /// request, 5 s to read a request, 10 s to drain.
        public init(
            listenAddress: FastCGIListenAddress,
            workerThreads: Int = Configuration.defaultWorkerThreads,
            maxInFlight: Int = 1024,
            bodyLimit: Int = 4096,
            requestByteLimit: Int = 256 * 1024,
            readTimeout: Duration = .seconds(5),
            drainTimeout: Duration = .seconds(10),
            logger: Logger = Logger(label: "fastcgi")
        ) {
            self.listenAddress = listenAddress
            self.workerThreads = workerThreads
            self.maxInFlight = maxInFlight
            self.bodyLimit = bodyLimit
            self.requestByteLimit = requestByteLimit
            self.readTimeout = readTimeout
            self.drainTimeout = drainTimeout
            self.logger = logger
        }

    }
}

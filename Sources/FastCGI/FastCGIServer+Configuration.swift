import Glibc
import Logging

extension FastCGIServer {
    /// How the transport listens, how many threads accept, and its limits.
    public struct Configuration: Sendable {
        /// Where to listen.
        public var listenAddress: FastCGIListenAddress
        /// Threads blocked in `FCGX_Accept_r`; each also answers `.now` replies inline.
        public var acceptorThreads: Int
        /// Deferred (`.later`) replies worked on at once; beyond this, `whenOverloaded` is sent.
        public var maxInFlight: Int
        /// Body bytes kept per request; the excess is read and dropped, and flagged.
        public var bodyLimit: Int
        /// How long a graceful shutdown waits for in-flight requests.
        public var drainTimeout: Duration
        /// Start, stop, accept failures (warning) and web servers that went away (debug).
        public var logger: Logger

        /// Four per core, at least 4 and at most 64.
        public static var defaultAcceptorThreads: Int {
            let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            return min(64, max(4, 4 * max(cores, 1)))
        }

        /// Defaults: ``defaultAcceptorThreads``, 1024 in flight, a 4096-byte body, 10 s to drain.
        public init(
            listenAddress: FastCGIListenAddress,
            acceptorThreads: Int = Configuration.defaultAcceptorThreads,
            maxInFlight: Int = 1024,
            bodyLimit: Int = 4096,
            drainTimeout: Duration = .seconds(10),
            logger: Logger = Logger(label: "fastcgi")
        ) {
            self.listenAddress = listenAddress
            self.acceptorThreads = acceptorThreads
            self.maxInFlight = maxInFlight
            self.bodyLimit = bodyLimit
            self.drainTimeout = drainTimeout
            self.logger = logger
        }
    }
}

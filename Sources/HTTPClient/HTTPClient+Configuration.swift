extension HTTPClient {
    /// Limits, timeouts, connection reuse and trust of a `HTTPClient`.
    public struct Configuration: Sendable {
        /// `CURLMOPT_MAX_HOST_CONNECTIONS`: connections open to one host at once, HTTP/1.1 and HTTP/2 alike;
        /// further transfers queue (inside their own timeout) until a connection or a stream is free.
        public var maxHostConnections: Int
        /// `CURLMOPT_MAXCONNECTS`: idle connections kept for reuse.
        public var maxCachedConnections: Int
        /// `CURLMOPT_MAX_CONCURRENT_STREAMS`: transfers multiplexed on one HTTP/2 connection at most (a server's
        /// own, lower limit wins). nginx advertises 128, Cloudflare 256.
        public var maxConcurrentStreams: Int
        /// `CURLOPT_MAXAGE_CONN`: a connection idle this long is closed instead of reused. Below the 60 s after
        /// which gateways commonly close idle connections, so a transfer never lands on one being closed.
        public var maxIdleConnectionAge: Duration
        /// `CURLOPT_CONNECTTIMEOUT_MS`, capped by each request's own timeout.
        public var connectTimeout: Duration
        /// Largest response body accepted; a larger one fails with `.responseTooLarge`.
        public var maxBodyBytes: Int
        /// Largest response header block accepted.
        public var maxHeaderBytes: Int
        /// `CURLOPT_BUFFERSIZE`: each transfer's receive buffer. Supabase Auth's answers (an empty 204, a
        /// token, a key set) are a few KiB at most; a larger one is read in more pieces. libcurl's own
        /// default, 16 KiB, is held by every transfer in flight.
        public var receiveBufferBytes: Int
        /// Certificate authorities trusted besides the system bundle; nil: the system bundle alone.
        public var additionalTrust: TrustedCertificates?

        public init(
            maxHostConnections: Int = 64,
            maxCachedConnections: Int = 64,
            maxConcurrentStreams: Int = 128,
            maxIdleConnectionAge: Duration = .seconds(50),
            connectTimeout: Duration = .seconds(2),
            maxBodyBytes: Int = 64 * 1024,
            maxHeaderBytes: Int = 32 * 1024,
            receiveBufferBytes: Int = 4096,
            additionalTrust: TrustedCertificates? = nil
        ) {
            self.maxHostConnections = maxHostConnections
            self.maxCachedConnections = maxCachedConnections
            self.maxConcurrentStreams = maxConcurrentStreams
            self.maxIdleConnectionAge = maxIdleConnectionAge
            self.connectTimeout = connectTimeout
            self.maxBodyBytes = maxBodyBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.receiveBufferBytes = receiveBufferBytes
            self.additionalTrust = additionalTrust
        }
    }
}

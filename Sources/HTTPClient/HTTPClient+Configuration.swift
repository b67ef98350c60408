extension HTTPClient {
    /// Limits and timeouts of a `HTTPClient`.
    public struct Configuration: Sendable {
        /// `CURLMOPT_MAX_HOST_CONNECTIONS`: connections open to one host at once; further transfers queue.
        public var maxHostConnections: Int
        /// `CURLMOPT_MAXCONNECTS`: idle connections kept for reuse.
        public var maxCachedConnections: Int
        /// `CURLOPT_CONNECTTIMEOUT_MS`, capped by each request's own timeout.
        public var connectTimeout: Duration
        /// Largest response body accepted; a larger one fails with `.responseTooLarge`.
        public var maxBodyBytes: Int
        /// Largest response header block accepted.
        public var maxHeaderBytes: Int
        /// Easy handles kept for reuse between transfers.
        public var maxIdleHandles: Int

        public init(
            maxHostConnections: Int = 64,
            maxCachedConnections: Int = 64,
            connectTimeout: Duration = .seconds(2),
            maxBodyBytes: Int = 64 * 1024,
            maxHeaderBytes: Int = 32 * 1024,
            maxIdleHandles: Int = 64
        ) {
            self.maxHostConnections = maxHostConnections
            self.maxCachedConnections = maxCachedConnections
            self.connectTimeout = connectTimeout
            self.maxBodyBytes = maxBodyBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.maxIdleHandles = maxIdleHandles
        }
    }
}

import CCurl

/// Owns one libcurl multi handle, driven through the multi_socket API (libcurl reports the sockets and the timer it
/// needs to `watch`), and the share that lets every easy handle resume TLS sessions and reuse DNS answers
/// that another one obtained.
///
/// Belongs to the client's event-loop thread, the only thread that touches the share, so it needs no locks.
/// The handles are cleaned up when the last owner lets go, after the loop has removed and cleaned up every easy
/// handle; `watch` outlives that cleanup, which may still report sockets closing.
final class MultiHandle: @unchecked Sendable {
    let pointer: Curl.Multi
    let share: Curl.Share
    let watch: SocketWatch

    init(configuration: HTTPClient.Configuration, watch: SocketWatch) throws(CurlError) {
        share = try Curl.shareInit()
        do {
            try Curl.share(share, CURL_LOCK_DATA_SSL_SESSION)
            try Curl.share(share, CURL_LOCK_DATA_DNS)
            pointer = try Curl.multiInit()
        } catch {
            Curl.shareCleanup(share)
            throw error
        }
        self.watch = watch
        do {
            try Curl.setOption(pointer, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
            try Curl.setOption(pointer, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxHostConnections)
            try Curl.setOption(pointer, CURLMOPT_MAXCONNECTS, configuration.maxCachedConnections)
            try Curl.setOption(pointer, CURLMOPT_MAX_CONCURRENT_STREAMS, configuration.maxConcurrentStreams)
            let userData = Unmanaged.passUnretained(watch).toOpaque()
            try Curl.setOption(pointer, CURLMOPT_SOCKETFUNCTION, socketCallback: SocketWatch.socketCallback)
            try Curl.setOption(pointer, CURLMOPT_SOCKETDATA, pointer: userData)
            try Curl.setOption(pointer, CURLMOPT_TIMERFUNCTION, timerCallback: SocketWatch.timerCallback)
            try Curl.setOption(pointer, CURLMOPT_TIMERDATA, pointer: userData)
        } catch {
            Curl.multiCleanup(pointer)
            Curl.shareCleanup(share)
            throw error
        }
    }

    deinit {
        Curl.multiCleanup(pointer)
        Curl.shareCleanup(share)
    }
}

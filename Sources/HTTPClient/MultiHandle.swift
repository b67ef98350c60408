import CCurl

/// Owns one libcurl multi handle, driven through the multi_socket API: libcurl reports the sockets and the timer it
/// needs to `watch`.
///
/// Belongs to the client's event-loop thread. The handle is cleaned up when the last owner lets go, after the loop
/// has removed every easy handle; `watch` outlives that cleanup, which may still report sockets closing.
final class MultiHandle: @unchecked Sendable {
    let pointer: Curl.Multi
    let watch: SocketWatch

    init(maxHostConnections: Int, maxCachedConnections: Int, watch: SocketWatch) throws(CurlError) {
        pointer = try Curl.multiInit()
        self.watch = watch
        do {
            try Curl.setOption(pointer, CURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections)
            try Curl.setOption(pointer, CURLMOPT_MAXCONNECTS, maxCachedConnections)
            let userData = Unmanaged.passUnretained(watch).toOpaque()
            try Curl.setOption(pointer, CURLMOPT_SOCKETFUNCTION, socketCallback: SocketWatch.socketCallback)
            try Curl.setOption(pointer, CURLMOPT_SOCKETDATA, pointer: userData)
            try Curl.setOption(pointer, CURLMOPT_TIMERFUNCTION, timerCallback: SocketWatch.timerCallback)
            try Curl.setOption(pointer, CURLMOPT_TIMERDATA, pointer: userData)
        } catch {
            Curl.multiCleanup(pointer)
            throw error
        }
    }

    deinit {
        Curl.multiCleanup(pointer)
    }
}

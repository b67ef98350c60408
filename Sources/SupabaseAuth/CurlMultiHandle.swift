import CCurl

/// Owns one libcurl multi handle.
///
/// Only `wakeup()` may be called from any thread; everything else belongs to the client's event-loop thread.
/// The handle is cleaned up when the last owner lets go, after the loop has removed every easy handle.
final class CurlMultiHandle: @unchecked Sendable {
    let pointer: Curl.Multi

    init(maxHostConnections: Int, maxCachedConnections: Int) throws(CurlError) {
        pointer = try Curl.multiInit()
        do {
            try Curl.setOption(pointer, CURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections)
            try Curl.setOption(pointer, CURLMOPT_MAXCONNECTS, maxCachedConnections)
        } catch {
            Curl.multiCleanup(pointer)
            throw error
        }
    }

    deinit {
        Curl.multiCleanup(pointer)
    }

    /// Makes the loop's `curl_multi_poll` return now. Safe from any thread.
    func wakeup() {
        Curl.multiWakeup(pointer)
    }
}

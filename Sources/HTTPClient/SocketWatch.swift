import CCurl
import Glibc
import POSIXSupport

/// What libcurl asked the event loop to watch: sockets (kept in an epoll set) and one timer.
///
/// libcurl's socket and timer callbacks update it from inside its own calls, all on the event-loop thread.
final class SocketWatch {
    let epoll: EventPoll
    /// The events each descriptor is registered for, by descriptor; none for one not in the set.
    private var registered: [EventPoll.Events] = []
    /// Monotonic nanoseconds at which libcurl wants `CURL_SOCKET_TIMEOUT`; nil while it wants no timer.
    private var timerDeadline: UInt64?
    /// The first failure to change the set since the loop last asked.
    private var registrationFailure: SystemCallError?

    /// An epoll set with room for `capacity` events per wait, watching `wakeupDescriptor` for reading.
    init(capacity: Int, wakeupDescriptor: Int32) throws(SystemCallError) {
        epoll = try EventPoll(capacity: capacity)
        try epoll.add(wakeupDescriptor, for: .readable, token: UInt64(wakeupDescriptor))
    }

    /// Milliseconds for `epoll_wait`: until libcurl's timer expires, at most `limit`.
    func waitTimeout(now: UInt64, limit: Int32) -> Int32 {
        guard let deadline = timerDeadline else { return limit }
        guard deadline > now else { return 0 }
        let milliseconds = (deadline - now + 999_999) / 1_000_000
        return milliseconds < UInt64(limit) ? Int32(milliseconds) : limit
    }

    /// True once libcurl's timer has expired at `now`; the timer is then cleared (libcurl sets the next one).
    func takeExpiredTimer(now: UInt64) -> Bool {
        guard let deadline = timerDeadline, deadline <= now else { return false }
        timerDeadline = nil
        return true
    }

    /// The first failure to register a socket since the last call, if any.
    func takeRegistrationFailure() -> SystemCallError? {
        defer { registrationFailure = nil }
        return registrationFailure
    }

    /// Applies one `CURLMOPT_SOCKETFUNCTION` request: watch `fd` for `what` (`CURL_POLL_*`), or stop watching it.
    private func watch(_ fd: Int32, what: Int32) {
        guard fd >= 0 else { return }
        let index = Int(fd)
        if index >= registered.count {
            registered.append(contentsOf: repeatElement([], count: index + 1 - registered.count))
        }
        let current = registered[index]
        let wanted = Self.epollEvents(what)
        guard wanted != current else { return }
        do throws(SystemCallError) {
            if wanted.isEmpty {
                // libcurl may have closed the socket already, which took it out of the set.
                try? epoll.remove(fd)
            } else if current.isEmpty {
                do throws(SystemCallError) {
                    try epoll.add(fd, for: wanted, token: UInt64(fd))
                } catch where error.errno == EEXIST {
                    try epoll.modify(fd, for: wanted, token: UInt64(fd))
                }
            } else {
                do throws(SystemCallError) {
                    try epoll.modify(fd, for: wanted, token: UInt64(fd))
                } catch where error.errno == ENOENT {
                    // The socket was closed and its number reused, which took the old one out of the set.
                    try epoll.add(fd, for: wanted, token: UInt64(fd))
                }
            }
            registered[index] = wanted
        } catch {
            registered[index] = []
            if registrationFailure == nil { registrationFailure = error }
        }
    }

    /// Applies one `CURLMOPT_TIMERFUNCTION` request: expire in `milliseconds` (0: at once), or never when negative.
    private func setTimer(milliseconds: Int, now: UInt64) {
        timerDeadline = milliseconds < 0 ? nil : now + UInt64(milliseconds) * 1_000_000
    }

    private static func epollEvents(_ what: Int32) -> EventPoll.Events {
        switch what {
        case CURL_POLL_IN: .readable
        case CURL_POLL_OUT: .writable
        case CURL_POLL_INOUT: [.readable, .writable]
        default: []
        }
    }

    /// The `CURL_CSELECT_*` bits for `curl_multi_socket_action` from an event's epoll events.
    static func curlEvents(_ events: EventPoll.Events) -> Int32 {
        var bits: Int32 = 0
        // A hang-up is readable: libcurl reads the end of the stream and fails or finishes the transfer.
        if !events.isDisjoint(with: [.readable, .hangUp]) { bits |= CURL_CSELECT_IN }
        if events.contains(.writable) { bits |= CURL_CSELECT_OUT }
        if events.contains(.error) { bits |= CURL_CSELECT_ERR }
        return bits
    }
}

extension SocketWatch {
    /// `CURLMOPT_SOCKETFUNCTION`: the watch named by the user-data pointer applies the request.
    static let socketCallback: Curl.SocketCallback = { _, socket, what, userData, _ in
        let watch = Unmanaged<SocketWatch>.fromOpaque(userData!).takeUnretainedValue()
        watch.watch(socket, what: what)
        return 0
    }

    /// `CURLMOPT_TIMERFUNCTION`: the watch named by the user-data pointer sets its timer.
    static let timerCallback: Curl.TimerCallback = { _, milliseconds, userData in
        let watch = Unmanaged<SocketWatch>.fromOpaque(userData!).takeUnretainedValue()
        watch.setTimer(milliseconds: milliseconds, now: MonotonicClock.nanoseconds())
        return 0
    }
}

import CFastCGI
import Glibc

/// One `epoll(7)` set, owned by one worker thread. Each registered descriptor carries a token
/// that comes back with its events.
struct EventPoll: ~Copyable {
    let fd: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private let eventCapacity: Int32

    init(eventCapacity: Int32 = 64) throws(FastCGIError) {
        fd = try SystemCalls.retryingOnInterrupt("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        self.eventCapacity = eventCapacity
        events = .allocate(capacity: Int(eventCapacity))
    }

    deinit {
        events.deallocate()
        SystemCalls.close(fd)
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)` for readability; `exclusive` wakes only one of the sets that
    /// watch the same descriptor (`EPOLLEXCLUSIVE`), as a shared listening socket wants.
    func addReadable(_ watched: Int32, token: UInt64, exclusive: Bool = false) throws(FastCGIError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (exclusive ? EPOLLEXCLUSIVE.rawValue : 0)
        event.data.u64 = token
        try SystemCalls.retryingOnInterrupt("epoll_ctl") { epoll_ctl(fd, EPOLL_CTL_ADD, watched, &event) }
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`; a descriptor about to be closed need not be removed first.
    func remove(_ watched: Int32) {
        _ = epoll_ctl(fd, EPOLL_CTL_DEL, watched, nil)
    }

    /// `epoll_wait(2)`: the number of ready descriptors, whose tokens ``token(at:)`` reads. An
    /// interrupted wait reports none.
    func wait(timeoutMilliseconds: Int32) -> Int {
        max(0, Int(epoll_wait(fd, events, eventCapacity, timeoutMilliseconds)))
    }

    func token(at index: Int) -> UInt64 {
        events[index].data.u64
    }
}

/// An `eventfd(2)` that, once signalled, stays readable: every poll set watching it wakes, and
/// keeps waking, which is what stopping wants.
struct StopEvent: ~Copyable, Sendable {
    let fd: Int32

    init() throws(FastCGIError) {
        fd = try SystemCalls.retryingOnInterrupt("eventfd") { eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK)) }
    }

    deinit {
        SystemCalls.close(fd)
    }

    func signal() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}

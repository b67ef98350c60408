import CCurl
import Glibc
import POSIXSupport

/// One level-triggered epoll set and the buffer its waits fill.
///
/// Belongs to the event-loop thread; the descriptor is closed on deinit.
final class Epoll {
    private let descriptor: Int32
    private let ready: UnsafeMutableBufferPointer<epoll_event>

    /// `epoll_create1(EPOLL_CLOEXEC)`, with room for `capacity` events per wait.
    init(capacity: Int) throws(SystemCallError) {
        descriptor = try SystemCall.retryingOnInterrupt("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        ready = .allocate(capacity: max(1, capacity))
        ready.initialize(repeating: epoll_event())
    }

    deinit {
        close(descriptor)
        ready.deallocate()
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)`.
    func add(_ fd: Int32, events: UInt32) throws(SystemCallError) {
        try control(EPOLL_CTL_ADD, fd, events: events)
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)`.
    func modify(_ fd: Int32, events: UInt32) throws(SystemCallError) {
        try control(EPOLL_CTL_MOD, fd, events: events)
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`.
    func remove(_ fd: Int32) throws(SystemCallError) {
        try control(EPOLL_CTL_DEL, fd, events: 0)
    }

    /// `epoll_wait` for at most `timeoutMilliseconds`: how many events `event(at:)` can read; 0 when interrupted.
    func wait(timeoutMilliseconds: Int32) throws(SystemCallError) -> Int {
        let count = epoll_wait(descriptor, ready.baseAddress, Int32(ready.count), timeoutMilliseconds)
        if count >= 0 { return Int(count) }
        let failure = errno
        if failure == EINTR { return 0 }
        throw SystemCallError("epoll_wait", errno: failure)
    }

    /// The descriptor and `EPOLL*` bits of one event of the latest wait.
    func event(at index: Int) -> (fd: Int32, events: UInt32) {
        (ready[index].data.fd, ready[index].events)
    }

    private func control(_ operation: Int32, _ fd: Int32, events: UInt32) throws(SystemCallError) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        try SystemCall.retryingOnInterrupt("epoll_ctl") { epoll_ctl(descriptor, operation, fd, &event) }
    }
}

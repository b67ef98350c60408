import CLinuxEvents
import Glibc

/// One `epoll(7)` set and the buffer its waits fill, owned by one thread. Each registered descriptor
/// carries a token that comes back with its events.
public struct EventPoll: ~Copyable {
    /// What a descriptor is watched for, and what a wait reports: `EPOLL*` bits.
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
        /// Reported only: the peer hung up, or shut down its writing side (`EPOLLHUP`, `EPOLLRDHUP`).
        public static let hangUp = Events(rawValue: EPOLLHUP.rawValue | EPOLLRDHUP.rawValue)
        /// Reported only: `EPOLLERR`.
        public static let error = Events(rawValue: EPOLLERR.rawValue)
        /// Registration only: wake just one of the sets that watch the same descriptor (`EPOLLEXCLUSIVE`),
        /// as a listening socket shared by several threads wants.
        public static let exclusive = Events(rawValue: EPOLLEXCLUSIVE.rawValue)
    }

    public let fd: Int32
    @usableFromInline let ready: UnsafeMutablePointer<epoll_event>
    @usableFromInline let capacity: Int32

    /// `epoll_create1(EPOLL_CLOEXEC)`, with room for `capacity` events per wait.
    public init(capacity: Int) throws(SystemCallError) {
        fd = try SystemCall.retryingOnInterrupt("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        self.capacity = Int32(max(1, capacity))
        ready = .allocate(capacity: max(1, capacity))
        ready.initialize(repeating: epoll_event(), count: max(1, capacity))
    }

    deinit {
        ready.deallocate()
        close(fd)
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)`.
    public func add(_ watched: Int32, for events: Events, token: UInt64) throws(SystemCallError) {
        try control(EPOLL_CTL_ADD, watched, events, token: token)
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)`.
    public func modify(_ watched: Int32, for events: Events, token: UInt64) throws(SystemCallError) {
        try control(EPOLL_CTL_MOD, watched, events, token: token)
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`; a descriptor about to be closed need not be removed first.
    public func remove(_ watched: Int32) throws(SystemCallError) {
        try control(EPOLL_CTL_DEL, watched, [], token: 0)
    }

    /// `epoll_wait` for at most `timeoutMilliseconds` (-1: no limit): how many events ``event(at:)``
    /// can read; 0 when interrupted.
    @inlinable
    public func wait(timeoutMilliseconds: Int32) throws(SystemCallError) -> Int {
        let count = epoll_wait(fd, ready, capacity, timeoutMilliseconds)
        if count >= 0 { return Int(count) }
        let failure = errno
        if failure == EINTR { return 0 }
        throw SystemCallError("epoll_wait", errno: failure)
    }

    /// The token and events of one event of the latest wait.
    @inlinable
    public func event(at index: Int) -> (token: UInt64, events: Events) {
        (ready[index].data.u64, Events(rawValue: ready[index].events))
    }

    private func control(_ operation: Int32, _ watched: Int32, _ events: Events, token: UInt64) throws(SystemCallError) {
        var event = epoll_event()
        event.events = events.rawValue
        event.data.u64 = token
        try SystemCall.retryingOnInterrupt("epoll_ctl") { epoll_ctl(fd, operation, watched, &event) }
    }
}

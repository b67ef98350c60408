import CLinuxEvents
import Glibc

/// An `eventfd(2)` that wakes the epoll sets watching it: ``signal()`` makes it readable, ``clear()``
/// unreadable again. One never cleared stays readable, which is what stopping wants.
public struct EventCounter: ~Copyable, Sendable {
    public let fd: Int32

    /// `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`.
    public init() throws(SystemCallError) {
        fd = try SystemCall.retryingOnInterrupt("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit {
        close(fd)
    }

    /// `write` of 1: the descriptor turns readable. Safe from any thread.
    public func signal() {
        var one: UInt64 = 1
        // Only a counter at its maximum fails (EAGAIN), and then the descriptor is readable already.
        _ = write(fd, &one, MemoryLayout<UInt64>.size)
    }

    /// `read`: resets the counter, so the descriptor stays unreadable until the next signal.
    public func clear() {
        var count: UInt64 = 0
        _ = read(fd, &count, MemoryLayout<UInt64>.size)
    }
}

import CCurl
import Glibc
import POSIXSupport

/// An eventfd that makes the event loop's `epoll_wait` return: callers signal, the loop clears.
final class WakeupEvent: Sendable {
    /// The eventfd; the loop adds it to its epoll set for reading.
    let descriptor: Int32

    /// `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`.
    init() throws(SystemCallError) {
        descriptor = try SystemCall.retryingOnInterrupt("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit {
        close(descriptor)
    }

    /// `write` of 1: the descriptor turns readable. Safe from any thread.
    func signal() {
        var one: UInt64 = 1
        // Only a counter at its maximum fails (EAGAIN), and then the descriptor is readable already.
        _ = write(descriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// `read`: resets the counter, so the descriptor stays unreadable until the next signal.
    func clear() {
        var count: UInt64 = 0
        _ = read(descriptor, &count, MemoryLayout<UInt64>.size)
    }
}

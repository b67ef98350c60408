import CFastCGI
import Glibc

/// Writes to the non-blocking sockets the workers accept.
enum SocketWriter {
    /// How long a write may wait for the peer to make room before the connection is given up.
    /// Replies are a few KiB and fit in an empty socket buffer, so only a peer that stopped
    /// reading ever waits.
    static let stallTimeoutMilliseconds: Int32 = 10_000

    /// Writes all of `bytes`, waiting in `poll(2)` while the socket buffer is full. Returns false
    /// (with `errno` set) when the peer went away or stalled.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
                continue
            }
            let code = written == 0 ? EPIPE : errno
            switch code {
            case EINTR:
                continue
            case EAGAIN:
                guard waitUntilWritable(fd) else { return false }
            default:
                errno = code
                return false
            }
        }
        return true
    }

    private static func waitUntilWritable(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, stallTimeoutMilliseconds)
            if ready > 0 { return true }
            if ready == 0 {
                errno = ETIMEDOUT
                return false
            }
            if errno != EINTR { return false }
        }
    }
}

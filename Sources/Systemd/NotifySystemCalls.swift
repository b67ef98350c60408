import Glibc

/// The C calls the notifier makes, each wrapped once; failures come back as `errno` values.
enum NotifySystemCalls {
    /// `socket(2)`: an `AF_UNIX` datagram socket, close-on-exec.
    static func datagramSocket() -> Result<Int32, NotifyError> {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = Glibc.socket(AF_UNIX, type, 0)
        return fd == -1 ? .failure(.systemCall(function: "socket", errno: errno)) : .success(fd)
    }

    /// `sendto(2)` of the whole message, retried on `EINTR`; `MSG_NOSIGNAL` so a vanished peer
    /// is an error, never a signal.
    static func send(_ message: [UInt8], on fd: Int32, to address: NotifySocketAddress) -> Result<Void, NotifyError> {
        address.withSocketAddress { socketAddress, length in
            message.withUnsafeBytes { bytes in
                while true {
                    let sent = Glibc.sendto(
                        fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                    if sent == bytes.count { return .success(()) }
                    if sent >= 0 { return .failure(.truncated(sent: sent, of: bytes.count)) }
                    let code = errno
                    if code == EINTR { continue }
                    return .failure(.systemCall(function: "sendto", errno: code))
                }
            }
        }
    }

    /// `close(2)`; never retried, since on Linux the descriptor is gone even when EINTR is returned.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// Why a notification was not delivered. Never fatal: the notifier logs it at debug level.
enum NotifyError: Error, CustomStringConvertible {
    case systemCall(function: String, errno: Int32)
    case truncated(sent: Int, of: Int)

    var description: String {
        switch self {
        case .systemCall(let function, let code):
            "\(function) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .truncated(let sent, let total):
            "sendto sent \(sent) of \(total) bytes"
        }
    }
}

import Glibc
import POSIXSupport

/// The C calls the notifier makes, each wrapped once.
enum NotifySystemCalls {
    /// `socket(2)`: an `AF_UNIX` datagram socket, close-on-exec.
    static func datagramSocket() throws(NotifyError) -> Int32 {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        do {
            return try SystemCall.retryingOnInterrupt("socket") { Glibc.socket(AF_UNIX, type, 0) }
        } catch {
            throw .systemCall(error)
        }
    }

    /// `sendto(2)` of the whole message, retried on `EINTR`; `MSG_NOSIGNAL` so a vanished peer
    /// is an error, never a signal.
    static func send(_ message: [UInt8], on fd: Int32, to address: NotifySocketAddress) throws(NotifyError) {
        let sent = address.withSocketAddress { socketAddress, length in
            message.withUnsafeBytes { bytes in
                Result { () throws(SystemCallError) in
                    try SystemCall.retryingOnInterrupt("sendto") {
                        Glibc.sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                    }
                }
            }
        }
        switch sent {
        case .success(let count) where count == message.count: return
        case .success(let count): throw .truncated(sent: count, of: message.count)
        case .failure(let error): throw .systemCall(error)
        }
    }

    /// `close(2)`; never retried, since on Linux the descriptor is gone even when EINTR is returned.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// Why a notification was not delivered. Never fatal: the notifier logs it at debug level.
enum NotifyError: Error, CustomStringConvertible {
    case systemCall(SystemCallError)
    case truncated(sent: Int, of: Int)

    var description: String {
        switch self {
        case .systemCall(let failure): failure.description
        case .truncated(let sent, let total): "sendto sent \(sent) of \(total) bytes"
        }
    }
}

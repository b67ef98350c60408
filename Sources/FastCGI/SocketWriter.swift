import Glibc

/// Writes to the non-blocking sockets the workers accept, never waiting for the peer to read.
enum SocketWriter {
    /// Writes what the socket takes of `bytes` now and appends the rest to `unsent`, which is written
    /// first: a reply stays in order. Returns false (with `errno` set) when the peer went away.
    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, keepingTheRestIn unsent: inout [UInt8]) -> Bool {
        guard unsent.isEmpty else {
            unsent.append(contentsOf: bytes)
            return true
        }
        switch writeSome(bytes, to: fd) {
        case .failed:
            return false
        case .wrote(let count):
            if count < bytes.count { unsent.append(contentsOf: bytes[count...]) }
            return true
        }
    }

    enum Outcome: Equatable {
        /// Bytes written, fewer than asked when the socket buffer filled.
        case wrote(Int)
        /// The peer went away (or the socket failed); `errno` tells why.
        case failed
    }

    /// Writes as much of `bytes` as the socket takes without waiting.
    static func writeSome(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Outcome {
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
                return .wrote(offset)
            default:
                errno = code
                return .failed
            }
        }
        return .wrote(offset)
    }
}

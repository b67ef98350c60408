import CFastCGI
import Glibc
import POSIXSupport

extension ListeningSocket {
    /// Creates a unix socket at `path` with mode 0660. A stale socket file (nothing answers) is
    /// replaced; a live one (a connect succeeds) is refused.
    static func openUnix(path: String, backlog: Int32) throws(FastCGIError) -> ListeningSocket {
        var address = sockaddr_un()
        let length = cfcgi_fill_sockaddr_un(&address, path)
        guard length > 0 else { throw .socketPathTooLong(path) }
        try removeStaleSocket(at: path, address: &address, length: socklen_t(length))

        return try FastCGIError.failingAsTransportError { () throws(SystemCallError) in
            let fd = try SystemCall.socket(domain: AF_UNIX, type: SOCK_STREAM)
            do throws(SystemCallError) {
                // The socket file takes this mode (less the umask) at bind: it is never wider than
                // 0660, even before the chmod below sets it exactly.
                try? SystemCall.changeMode(fd, 0o660)
                try withSocketAddress(&address) { (pointer) throws(SystemCallError) in
                    try SystemCall.bind(fd, pointer, socklen_t(length))
                }
                try SystemCall.changeMode(path, 0o660)
                guard let status = try SystemCall.linkStatus(path) else { throw SystemCallError("lstat", errno: ENOENT) }
                try SystemCall.listen(fd, backlog: backlog)
                let created = CreatedPath(path: path, device: UInt(status.st_dev), inode: UInt(status.st_ino))
                return ListeningSocket(fd: fd, isOwned: true, createdPath: created, localPort: nil)
            } catch {
                SystemCall.close(fd)
                throw error
            }
        }
    }

    /// Unlinks a socket file nobody accepts on; refuses when a process answers or when the path
    /// is not a socket.
    private static func removeStaleSocket(
        at path: String, address: inout sockaddr_un, length: socklen_t
    ) throws(FastCGIError) {
        let found = try FastCGIError.failingAsTransportError { () throws(SystemCallError) in
            try SystemCall.linkStatus(path)
        }
        guard let status = found else { return }
        guard cfcgi_is_socket_mode(status.st_mode) != 0 else { throw .pathIsNotASocket(path) }
        let probe = try FastCGIError.failingAsTransportError { () throws(SystemCallError) in
            try SystemCall.socket(domain: AF_UNIX, type: SOCK_STREAM)
        }
        defer { SystemCall.close(probe) }
        do throws(SystemCallError) {
            try withSocketAddress(&address) { (pointer) throws(SystemCallError) in
                try SystemCall.connect(probe, pointer, length)
            }
        } catch {
            switch error.errno {
            case ECONNREFUSED:
                try FastCGIError.failingAsTransportError { () throws(SystemCallError) in try SystemCall.unlink(path) }
                return
            case ENOENT:
                return
            case EAGAIN:
                // A full backlog: someone is listening.
                throw .socketInUse(path: path)
            default:
                throw .systemCall(error)
            }
        }
        throw .socketInUse(path: path)
    }

    private static func withSocketAddress<Result>(
        _ address: inout sockaddr_un, _ body: (UnsafePointer<sockaddr>) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try withUnsafePointer(to: &address) { (pointer) throws(SystemCallError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (generic) throws(SystemCallError) in
                try body(generic)
            }
        }
    }
}

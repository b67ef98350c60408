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

        let fd = try SystemCalls.socket(domain: AF_UNIX)
        do throws(FastCGIError) {
            // The socket file takes this mode (less the umask) at bind: it is never wider than
            // 0660, even before the chmod below sets it exactly.
            try? SystemCalls.changeMode(fd, 0o660)
            try withSocketAddress(&address) { (pointer) throws(FastCGIError) in
                try SystemCalls.bind(fd, pointer, socklen_t(length))
            }
            try SystemCalls.changeMode(path, 0o660)
            guard let status = try SystemCalls.linkStatus(path) else {
                throw .systemCall(SystemCallError("lstat", errno: ENOENT))
            }
            try SystemCalls.listen(fd, backlog: backlog)
            let created = CreatedPath(path: path, device: UInt(status.st_dev), inode: UInt(status.st_ino))
            return ListeningSocket(fd: fd, isOwned: true, createdPath: created, localPort: nil)
        } catch {
            SystemCalls.close(fd)
            throw error
        }
    }

    /// Unlinks a socket file nobody accepts on; refuses when a process answers or when the path
    /// is not a socket.
    private static func removeStaleSocket(
        at path: String, address: inout sockaddr_un, length: socklen_t
    ) throws(FastCGIError) {
        guard let status = try SystemCalls.linkStatus(path) else { return }
        guard cfcgi_is_socket_mode(status.st_mode) != 0 else { throw .pathIsNotASocket(path) }
        let probe = try SystemCalls.socket(domain: AF_UNIX)
        defer { SystemCalls.close(probe) }
        do throws(FastCGIError) {
            try withSocketAddress(&address) { (pointer) throws(FastCGIError) in
                try SystemCalls.connect(probe, pointer, length)
            }
        } catch {
            switch error {
            case .systemCall(let failure) where failure.errno == ECONNREFUSED:
                try SystemCalls.unlink(path)
                return
            case .systemCall(let failure) where failure.errno == ENOENT:
                return
            case .systemCall(let failure) where failure.errno == EAGAIN:
                // A full backlog: someone is listening.
                throw .socketInUse(path: path)
            default:
                throw error
            }
        }
        throw .socketInUse(path: path)
    }

    private static func withSocketAddress<Result>(
        _ address: inout sockaddr_un, _ body: (UnsafePointer<sockaddr>) throws(FastCGIError) -> Result
    ) throws(FastCGIError) -> Result {
        try withUnsafePointer(to: &address) { (pointer) throws(FastCGIError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (generic) throws(FastCGIError) in
                try body(generic)
            }
        }
    }
}

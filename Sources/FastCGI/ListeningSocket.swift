import CFastCGI
import Glibc

/// The socket the workers accept on, and what stopping may do to it.
struct ListeningSocket: Sendable {
    /// A unix socket path this process created, with the identity of the file it bound, so that
    /// it is removed at exit only while it is still ours.
    struct CreatedPath: Sendable {
        let path: String
        let device: UInt
        let inode: UInt
    }

    let fd: Int32
    /// True when this process created the socket: it may shut it down to refuse new connections and
    /// closes it at exit. An inherited socket is never shut down or closed.
    let isOwned: Bool
    let createdPath: CreatedPath?
    /// The bound TCP port (useful with port 0), nil for unix sockets.
    let localPort: Int?

    static let backlog: Int32 = 1024

    /// Opens (or adopts) the listening socket for `address`.
    static func open(_ address: FastCGIListenAddress) throws(FastCGIError) -> ListeningSocket {
        switch address {
        case .unix(let path):
            return try openUnix(path: path)
        case .tcp(let host, let port):
            return try openTCP(host: host, port: port)
        case .inherited:
            let fd = inheritedDescriptor(
                listenFDs: getenv("LISTEN_FDS").map { String(cString: $0) },
                listenPID: getenv("LISTEN_PID").map { String(cString: $0) },
                processID: getpid())
            return try adopt(fd)
        case .fileDescriptor(let fd):
            return try adopt(fd)
        }
    }

    /// fd 3 when the service manager passed exactly one socket to this process, else fd 0.
    static func inheritedDescriptor(listenFDs: String?, listenPID: String?, processID: pid_t) -> Int32 {
        if listenFDs == "1", listenPID == String(processID) { return 3 }
        return 0
    }

    /// Stops an owned socket from taking connections: new ones are refused at once.
    func shutDownIfOwned() {
        guard isOwned else { return }
        try? SystemCalls.shutdownBoth(fd)
    }

    /// Closes an owned socket; a socket someone else passed in stays open.
    func closeIfOwned() {
        guard isOwned else { return }
        SystemCalls.close(fd)
    }

    /// Removes the unix socket path this process created, if the path still names that socket
    /// (a newer instance may have replaced it while this one drained).
    func removeCreatedPath() {
        guard let createdPath, let status = try? SystemCalls.linkStatus(createdPath.path),
            UInt(status.st_dev) == createdPath.device, UInt(status.st_ino) == createdPath.inode
        else { return }
        try? SystemCalls.unlink(createdPath.path)
    }
}

import CFastCGI
import Glibc
import POSIXSupport

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

    /// The kernel's ceiling on a listen backlog (`net.core.somaxconn`), which is also the most a
    /// socket may ask for; 4096 (the kernel's default since 5.4) when it cannot be read.
    static var kernelBacklogLimit: Int32 {
        let fd = Glibc.open("/proc/sys/net/core/somaxconn", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 4096 }
        defer { SystemCall.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 4096 }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first, let value = Int32(line), value > 0 else { return 4096 }
        return value
    }

    /// Opens (or adopts) the listening socket for `address`; a socket bound here listens with
    /// `backlog` (nil: ``kernelBacklogLimit``).
    static func open(_ address: FastCGIListenAddress, backlog: Int32? = nil) throws(FastCGIError) -> ListeningSocket {
        let backlog = backlog ?? kernelBacklogLimit
        switch address {
        case .unix(let path):
            return try openUnix(path: path, backlog: backlog)
        case .tcp(let host, let port):
            return try openTCP(host: host, port: port, backlog: backlog)
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
        try? SystemCall.shutdownBoth(fd)
    }

    /// Closes an owned socket; a socket someone else passed in stays open.
    func closeIfOwned() {
        guard isOwned else { return }
        SystemCall.close(fd)
    }

    /// Removes the unix socket path this process created, if the path still names that socket
    /// (a newer instance may have replaced it while this one drained).
    func removeCreatedPath() {
        guard let createdPath, let status = try? SystemCall.linkStatus(createdPath.path),
            UInt(status.st_dev) == createdPath.device, UInt(status.st_ino) == createdPath.inode
        else { return }
        try? SystemCall.unlink(createdPath.path)
    }
}


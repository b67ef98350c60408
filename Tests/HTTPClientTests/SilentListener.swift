import Glibc

/// A loopback TCP port that takes connections and never answers: a TLS handshake with it never finishes.
final class SilentListener {
    let port: UInt16
    private let fd: Int32
    private var accepted: [Int32] = []

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard fd >= 0, bound else {
            if fd >= 0 { close(fd) }
            throw SilentListenerError(errno: errno)
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Accepts (and keeps, silent) every connection waiting; how many it holds in all.
    func acceptWaiting() -> Int {
        while case let connection = accept(fd, nil, nil), connection >= 0 { accepted.append(connection) }
        return accepted.count
    }

    deinit {
        for connection in accepted { close(connection) }
        close(fd)
    }
}

struct SilentListenerError: Error {
    let errno: Int32
}

import CFastCGI
import Glibc
import POSIXSupport

extension ListeningSocket {
    /// Binds `host:port` with `SO_REUSEADDR`; an empty host means every interface.
    static func openTCP(host: String, port: Int, backlog: Int32) throws(FastCGIError) -> ListeningSocket {
        let fd = try withPassiveAddress(host: host, port: port) { (info) throws(FastCGIError) in
            try FastCGIError.failingAsTransportError { () throws(SystemCallError) in
                let fd = try SystemCall.socket(domain: info.ai_family, type: SOCK_STREAM)
                do throws(SystemCallError) {
                    try SystemCall.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
                    try SystemCall.bind(fd, info.ai_addr, info.ai_addrlen)
                    try SystemCall.listen(fd, backlog: backlog)
                    return fd
                } catch {
                    SystemCall.close(fd)
                    throw error
                }
            }
        }
        return ListeningSocket(fd: fd, isOwned: true, createdPath: nil, localPort: boundPort(fd))
    }

    /// Accepts on a socket someone else created (the service manager, a test): it must be a
    /// listening stream socket. It is never shut down or closed by this process.
    static func adopt(_ fd: Int32) throws(FastCGIError) -> ListeningSocket {
        guard let status = try? SystemCall.status(fd), cfcgi_is_socket_mode(status.st_mode) != 0,
            (try? SystemCall.option(fd, level: SOL_SOCKET, name: SO_ACCEPTCONN)) == 1
        else { throw .noInheritedSocket }
        return ListeningSocket(fd: fd, isOwned: false, createdPath: nil, localPort: boundPort(fd))
    }

    /// `getaddrinfo(3)` for a passive TCP address; `body` sees the first result.
    private static func withPassiveAddress<Result>(
        host: String, port: Int, _ body: (addrinfo) throws(FastCGIError) -> Result
    ) throws(FastCGIError) -> Result {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard code == 0, let first = list else { throw .unresolvableHost(host) }
        defer { freeaddrinfo(list) }
        return try body(first.pointee)
    }

    /// The port of a TCP socket, nil for anything else.
    private static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        guard (try? SystemCall.localAddress(fd, into: &storage)) != nil else { return nil }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw -> Int? in
            switch family {
            case AF_INET:
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            case AF_INET6:
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            default:
                return nil
            }
        }
    }
}

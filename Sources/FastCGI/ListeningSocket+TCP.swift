import CFastCGI
import Glibc

extension ListeningSocket {
    /// Binds `host:port` with `SO_REUSEADDR`; an empty host means every interface.
    static func openTCP(host: String, port: Int, backlog: Int32) throws(FastCGIError) -> ListeningSocket {
        let fd = try SystemCalls.withPassiveAddress(host: host, port: port) { (info) throws(FastCGIError) in
            let fd = try SystemCalls.socket(domain: info.ai_family)
            do throws(FastCGIError) {
                try SystemCalls.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
                try SystemCalls.bind(fd, info.ai_addr, info.ai_addrlen)
                try SystemCalls.listen(fd, backlog: backlog)
                return fd
            } catch {
                SystemCalls.close(fd)
                throw error
            }
        }
        return ListeningSocket(fd: fd, isOwned: true, createdPath: nil, localPort: boundPort(fd))
    }

    /// Accepts on a socket someone else created (the service manager, a test): it must be a
    /// listening stream socket. It is never shut down or closed by this process.
    static func adopt(_ fd: Int32) throws(FastCGIError) -> ListeningSocket {
        guard let status = try? SystemCalls.status(fd), cfcgi_is_socket_mode(status.st_mode) != 0,
            (try? SystemCalls.option(fd, level: SOL_SOCKET, name: SO_ACCEPTCONN)) == 1
        else { throw .noInheritedSocket }
        return ListeningSocket(fd: fd, isOwned: false, createdPath: nil, localPort: boundPort(fd))
    }

    /// The port of a TCP socket, nil for anything else.
    private static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        guard (try? SystemCalls.localAddress(fd, into: &storage)) != nil else { return nil }
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

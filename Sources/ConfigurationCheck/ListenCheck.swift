import FastCGI
import Glibc

/// `listen`: the address a start would listen on is free, already held by a running FastCGI
/// responder, or the socket systemd or spawn-fcgi passed in.
public enum ListenCheck {
    public static func run(_ address: FastCGIListenAddress, environment: [String: String]) -> CheckResult {
        switch address {
        case .inherited:
            return inherited(environment: environment)
        case .fileDescriptor(let fd):
            return isListeningSocket(fd)
                ? .ok("listen", "the listening socket on fd \(fd)")
                : .failed("listen", .unavailable, "fd \(fd) is not a listening socket")
        case .unix(let path):
            return unix(path)
        case .tcp(let host, let port):
            return tcp(host: host, port: port)
        }
    }

    /// The descriptor a start would adopt: fd 3 from systemd (`LISTEN_FDS=1` for this process), else fd 0.
    private static func inherited(environment: [String: String]) -> CheckResult {
        if environment["LISTEN_FDS"] == "1", environment["LISTEN_PID"] == String(getpid()) {
            return isListeningSocket(3)
                ? .ok("listen", "the socket systemd passed (LISTEN_FDS)")
                : .failed("listen", .unavailable, "LISTEN_FDS is set but fd 3 is not a listening socket")
        }
        if isListeningSocket(0) { return .ok("listen", "the listening socket on fd 0") }
        return .failed(
            "listen", .unavailable,
            "LOGOUT_LISTEN is unset and no socket was passed (LISTEN_FDS or fd 0): under systemd, run logout-fcgi-check.service")
    }

    private static func unix(_ path: String) -> CheckResult {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            let code = errno
            guard code == ENOENT else { return .failed("listen", .unavailable, "\(path): \(reason(code))") }
            let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.flatMap { $0.isEmpty ? "/" : $0 } ?? "."
            var directoryStatus = stat()
            guard stat(directory, &directoryStatus) == 0, directoryStatus.st_mode & S_IFMT == S_IFDIR else {
                return .failed("listen", .unavailable, "unix:\(path): the directory \(directory) does not exist")
            }
            return .ok("listen", "unix:\(path) is free")
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            return .failed("listen", .unavailable, "\(path) exists and is not a socket")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let outcome = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                FastCGIPeer.probe(family: AF_UNIX, address: $0, length: socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return verdict(outcome, address: "unix:\(path)", refusedMeansFree: "a stale socket file a start replaces")
    }

    private static func tcp(host: String, port: Int) -> CheckResult {
        let shown = host.contains(":") ? "[\(host)]:\(port)" : "\(host.isEmpty ? "*" : host):\(port)"
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list) == 0, let info = list?.pointee else {
            return .failed("listen", .unavailable, "\(shown): the host does not resolve")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failed("listen", .unavailable, "\(shown): \(reason(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = bind(fd, info.ai_addr, info.ai_addrlen) == 0
        let code = errno
        close(fd)
        if bound { return .ok("listen", "\(shown) is free") }
        guard code == EADDRINUSE else { return .failed("listen", .unavailable, "\(shown): \(reason(code))") }
        if host.isEmpty {
            // Held on every interface: ask on loopback.
            var loopback = sockaddr_in()
            loopback.sin_family = sa_family_t(AF_INET)
            loopback.sin_port = in_port_t(UInt16(port).bigEndian)
            loopback.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
            let outcome = withUnsafePointer(to: &loopback) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    FastCGIPeer.probe(family: AF_INET, address: $0, length: socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            return verdict(outcome, address: shown, refusedMeansFree: nil)
        }
        let outcome = FastCGIPeer.probe(family: info.ai_family, address: info.ai_addr, length: info.ai_addrlen)
        return verdict(outcome, address: shown, refusedMeansFree: nil)
    }

    private static func verdict(_ outcome: FastCGIPeer.Outcome, address: String, refusedMeansFree: String?) -> CheckResult {
        switch outcome {
        case .refused:
            if let refusedMeansFree { return .ok("listen", "\(address) is free (\(refusedMeansFree))") }
            return .failed("listen", .unavailable, "\(address) is in use, and refuses connections")
        case .answersManagementRecords:
            return .ok("listen", "\(address) is held by a running FastCGI responder (it answers FCGI_GET_VALUES)")
        case .answersRequests:
            return .ok("listen", "\(address) is held by a running FastCGI responder (it answers a request)")
        case .notFastCGI:
            return .failed("listen", .unavailable, "\(address) is held by something that does not answer FastCGI")
        case .failed(let code):
            return .failed("listen", .unavailable, "\(address): \(reason(code))")
        }
    }

    private static func isListeningSocket(_ fd: Int32) -> Bool {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { return false }
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting == 1
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

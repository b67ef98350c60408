import CFastCGI
import Glibc
import POSIXSupport

/// One thin function per C call the transport makes, each retrying on `EINTR` where that is
/// safe and turning `-1` into ``FastCGIError/systemCall(_:)``.
enum SystemCalls {
    /// ``SystemCall/retryingOnInterrupt(_:_:)``, failing as a transport error.
    @discardableResult
    static func retryingOnInterrupt<Result: FixedWidthInteger>(
        _ function: String, _ call: () -> Result
    ) throws(FastCGIError) -> Result {
        try failingAsTransportError { () throws(SystemCallError) in try SystemCall.retryingOnInterrupt(function, call) }
    }

    /// What `body` returns; a failed system call in it becomes ``FastCGIError/systemCall(_:)``.
    static func failingAsTransportError<Result: ~Copyable>(
        _ body: () throws(SystemCallError) -> Result
    ) throws(FastCGIError) -> Result {
        do {
            return try body()
        } catch {
            throw .systemCall(error)
        }
    }

    /// `socket(2)`, close-on-exec.
    static func socket(domain: Int32) throws(FastCGIError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try retryingOnInterrupt("socket") { Glibc.socket(domain, type, 0) }
    }

    /// `setsockopt(2)` with an `int` value.
    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(FastCGIError) {
        var value = value
        try retryingOnInterrupt("setsockopt") {
            Glibc.setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// `getsockopt(2)` for an `int` value.
    static func option(_ fd: Int32, level: Int32, name: Int32) throws(FastCGIError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try retryingOnInterrupt("getsockopt") { Glibc.getsockopt(fd, level, name, &value, &length) }
        return value
    }

    /// `bind(2)`.
    static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(FastCGIError) {
        try retryingOnInterrupt("bind") { Glibc.bind(fd, address, length) }
    }

    /// `listen(2)`.
    static func listen(_ fd: Int32, backlog: Int32) throws(FastCGIError) {
        try retryingOnInterrupt("listen") { Glibc.listen(fd, backlog) }
    }

    /// `connect(2)`; an interrupted connect keeps going in the kernel, so EINTR is returned, not retried.
    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(FastCGIError) {
        if Glibc.connect(fd, address, length) == -1 {
            throw .systemCall(SystemCallError("connect", errno: errno))
        }
    }

    /// `getsockname(2)` into `storage`.
    static func localAddress(_ fd: Int32, into storage: inout sockaddr_storage) throws(FastCGIError) {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutableBytes(of: &storage) { (raw) throws(FastCGIError) in
            let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr.self)
            try retryingOnInterrupt("getsockname") { Glibc.getsockname(fd, address, &length) }
        }
    }

    /// `shutdown(2)` of both directions.
    static func shutdownBoth(_ fd: Int32) throws(FastCGIError) {
        try retryingOnInterrupt("shutdown") { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// `fcntl(2)` setting `O_NONBLOCK`.
    static func setNonBlocking(_ fd: Int32) throws(FastCGIError) {
        let flags = try retryingOnInterrupt("fcntl") { cfcgi_get_status_flags(fd) }
        try retryingOnInterrupt("fcntl") { cfcgi_set_status_flags(fd, flags | O_NONBLOCK) }
    }

    /// `close(2)`; never retried, since on Linux the descriptor is gone even when EINTR is returned.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// `lstat(2)`; nil when nothing exists at `path`.
    static func linkStatus(_ path: String) throws(FastCGIError) -> stat? {
        var status = stat()
        if Glibc.lstat(path, &status) == 0 { return status }
        let code = errno
        if code == ENOENT { return nil }
        throw .systemCall(SystemCallError("lstat", errno: code))
    }

    /// `fstat(2)`.
    static func status(_ fd: Int32) throws(FastCGIError) -> stat {
        var status = stat()
        try retryingOnInterrupt("fstat") { Glibc.fstat(fd, &status) }
        return status
    }

    /// `fchmod(2)`.
    static func changeMode(_ fd: Int32, _ mode: mode_t) throws(FastCGIError) {
        try retryingOnInterrupt("fchmod") { Glibc.fchmod(fd, mode) }
    }

    /// `chmod(2)`.
    static func changeMode(_ path: String, _ mode: mode_t) throws(FastCGIError) {
        try retryingOnInterrupt("chmod") { Glibc.chmod(path, mode) }
    }

    /// `unlink(2)`; a path that is already gone is not an error.
    static func unlink(_ path: String) throws(FastCGIError) {
        if Glibc.unlink(path) == 0 { return }
        let code = errno
        if code == ENOENT { return }
        throw .systemCall(SystemCallError("unlink", errno: code))
    }

    /// `sigaction(2)` with `SIG_IGN`.
    static func ignore(_ signal: Int32) throws(FastCGIError) {
        try retryingOnInterrupt("sigaction") { cfcgi_ignore_signal(signal) }
    }
}

extension SystemCalls {
    /// `getaddrinfo(3)` for a passive TCP address; `body` sees the first result.
    static func withPassiveAddress<Result>(
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
}

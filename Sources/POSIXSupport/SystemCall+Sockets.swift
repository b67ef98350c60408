import Glibc

extension SystemCall {
    /// `socket(2)`, close-on-exec; `type` is `SOCK_STREAM` or `SOCK_DGRAM`.
    public static func socket(domain: Int32, type: __socket_type) throws(SystemCallError) -> Int32 {
        let type = Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try retryingOnInterrupt("socket") { Glibc.socket(domain, type, 0) }
    }

    /// `setsockopt(2)` with an `int` value.
    public static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(SystemCallError) {
        var value = value
        try retryingOnInterrupt("setsockopt") {
            Glibc.setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// `getsockopt(2)` for an `int` value.
    public static func option(_ fd: Int32, level: Int32, name: Int32) throws(SystemCallError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try retryingOnInterrupt("getsockopt") { Glibc.getsockopt(fd, level, name, &value, &length) }
        return value
    }

    /// `bind(2)`.
    public static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(SystemCallError) {
        try retryingOnInterrupt("bind") { Glibc.bind(fd, address, length) }
    }

    /// `listen(2)`.
    public static func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError) {
        try retryingOnInterrupt("listen") { Glibc.listen(fd, backlog) }
    }

    /// `connect(2)`; an interrupted connect keeps going in the kernel, so EINTR is returned, not retried.
    public static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(SystemCallError) {
        if Glibc.connect(fd, address, length) == -1 {
            throw SystemCallError("connect", errno: errno)
        }
    }

    /// `getsockname(2)` into `storage`.
    public static func localAddress(_ fd: Int32, into storage: inout sockaddr_storage) throws(SystemCallError) {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutableBytes(of: &storage) { (raw) throws(SystemCallError) in
            let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr.self)
            try retryingOnInterrupt("getsockname") { Glibc.getsockname(fd, address, &length) }
        }
    }

    /// `sendto(2)` with `MSG_NOSIGNAL`, so a vanished peer is an error, never a signal; the bytes sent.
    public static func send(
        _ bytes: UnsafeRawBufferPointer, on fd: Int32, to address: UnsafePointer<sockaddr>, _ length: socklen_t
    ) throws(SystemCallError) -> Int {
        try retryingOnInterrupt("sendto") {
            Glibc.sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), address, length)
        }
    }

    /// `shutdown(2)` of both directions.
    public static func shutdownBoth(_ fd: Int32) throws(SystemCallError) {
        try retryingOnInterrupt("shutdown") { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// `close(2)`; never retried, since on Linux the descriptor is gone even when EINTR is returned.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

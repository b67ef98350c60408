import CFastCGI
import Glibc
import POSIXSupport

/// The calls whose C forms Swift cannot make (variadic `fcntl`, `sigaction`'s handler), through CFastCGI's shim.
extension SystemCall {
    /// `fcntl(2)` setting `O_NONBLOCK`.
    static func setNonBlocking(_ fd: Int32) throws(SystemCallError) {
        let flags = try retryingOnInterrupt("fcntl") { cfcgi_get_status_flags(fd) }
        try retryingOnInterrupt("fcntl") { cfcgi_set_status_flags(fd, flags | O_NONBLOCK) }
    }

    /// `sigaction(2)` with `SIG_IGN`.
    static func ignore(_ signal: Int32) throws(SystemCallError) {
        try retryingOnInterrupt("sigaction") { cfcgi_ignore_signal(signal) }
    }
}

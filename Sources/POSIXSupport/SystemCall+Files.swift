import Glibc

extension SystemCall {
    /// `lstat(2)`; nil when nothing exists at `path`.
    public static func linkStatus(_ path: String) throws(SystemCallError) -> stat? {
        var status = stat()
        if Glibc.lstat(path, &status) == 0 { return status }
        let code = errno
        if code == ENOENT { return nil }
        throw SystemCallError("lstat", errno: code)
    }

    /// `fstat(2)`.
    public static func status(_ fd: Int32) throws(SystemCallError) -> stat {
        var status = stat()
        try retryingOnInterrupt("fstat") { Glibc.fstat(fd, &status) }
        return status
    }

    /// `fchmod(2)`.
    public static func changeMode(_ fd: Int32, _ mode: mode_t) throws(SystemCallError) {
        try retryingOnInterrupt("fchmod") { Glibc.fchmod(fd, mode) }
    }

    /// `chmod(2)`.
    public static func changeMode(_ path: String, _ mode: mode_t) throws(SystemCallError) {
        try retryingOnInterrupt("chmod") { Glibc.chmod(path, mode) }
    }

    /// `unlink(2)`; a path that is already gone is not an error.
    public static func unlink(_ path: String) throws(SystemCallError) {
        if Glibc.unlink(path) == 0 { return }
        let code = errno
        if code == ENOENT { return }
        throw SystemCallError("unlink", errno: code)
    }
}

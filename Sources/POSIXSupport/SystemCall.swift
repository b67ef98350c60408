import Glibc

/// The one place a system call's `-1` and `errno` become a ``SystemCallError``.
public enum SystemCall {
    /// Runs `call` until it returns something other than -1 with `EINTR`; -1 with any other `errno` throws,
    /// naming `function`.
    ///
    /// Not for calls that must not be repeated after an interruption (`close`, `connect`).
    @inlinable
    @discardableResult
    public static func retryingOnInterrupt<Result: FixedWidthInteger>(
        _ function: String, _ call: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = call()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemCallError(function, errno: code)
        }
    }
}

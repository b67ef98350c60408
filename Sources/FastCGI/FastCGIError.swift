import POSIXSupport

/// Why the transport could not start: a bad listen address, a socket path that is taken, or a
/// failed system call with its `errno`.
public enum FastCGIError: Error, Sendable, Equatable {
    /// The listen address string is not `unix:/path`, `host:port`, `[v6]:port` or `inherited`.
    case invalidListenAddress(String)
    /// The unix socket path does not fit in `sockaddr_un` (at most 107 bytes).
    case socketPathTooLong(String)
    /// A live process already accepts connections on this unix socket path.
    case socketInUse(path: String)
    /// Something other than a socket exists at this path; it is left alone.
    case pathIsNotASocket(String)
    /// No listening socket was passed in (neither `LISTEN_FDS` fd 3 nor a socket on fd 0).
    case noInheritedSocket
    /// The host name of a TCP address did not resolve.
    case unresolvableHost(String)
    /// A system call failed.
    case systemCall(SystemCallError)
    /// `FCGX_Init` failed with this code.
    case libraryInitFailed(Int32)
    /// libfcgi does not call this executable's definition of an OS-layer function (it was linked
    /// without exporting it).
    case libraryOverrideMissing(String)
}

extension FastCGIError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidListenAddress(let text):
            return "invalid listen address '\(text)' (expected unix:/path, host:port, [::1]:port or inherited)"
        case .socketPathTooLong(let path):
            return "unix socket path too long (\(path.utf8.count) bytes, at most 107): \(path)"
        case .socketInUse(let path):
            return "another process is accepting connections on \(path)"
        case .pathIsNotASocket(let path):
            return "\(path) exists and is not a socket"
        case .noInheritedSocket:
            return "no listening socket was passed in (LISTEN_FDS fd 3 or fd 0)"
        case .unresolvableHost(let host):
            return "cannot resolve listen host '\(host)'"
        case .systemCall(let failure):
            return failure.description
        case .libraryInitFailed(let code):
            return "FCGX_Init failed (\(code))"
        case .libraryOverrideMissing(let name):
            return "libfcgi does not call this program's \(name) (the executable must export it)"
        }
    }
}

extension FastCGIError {
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
}

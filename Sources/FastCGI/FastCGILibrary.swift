import CFastCGI
import Glibc
import POSIXSupport

/// Process-wide set-up of libfcgi and of what the transport relies on.
enum FastCGILibrary {
    /// Runs once, before any worker thread exists: `SIGPIPE` ignored (a client that went away
    /// turns a write into `EPIPE`, not a dead process), `FCGX_Init`, the open-file limit raised to
    /// its hard limit (every idle connection is a descriptor), the replay table sized to it, and a
    /// check that libfcgi calls this executable's OS layer.
    static func initialize() throws(FastCGIError) {
        if let error = initialization { throw error }
    }

    /// Descriptors past this are refused, however high the hard limit: the replay table holds a
    /// pointer for each.
    static let descriptorCeiling = 1 << 20

    private static let initialization: FastCGIError? = {
        do throws(FastCGIError) {
            try FastCGIError.failingAsTransportError { () throws(SystemCallError) in
                try SystemCall.ignore(SIGPIPE)
            }
            let code = cfcgi_init_keeping_signals()
            guard code == 0 else { throw .libraryInitFailed(code) }
            if let missing = LibfcgiOSLayer.missingOverride() { throw .libraryOverrideMissing(missing) }
            ReplayTable.allocate(capacity: min(raiseOpenFileLimit(), descriptorCeiling))
            return nil
        } catch {
            return error
        }
    }()

    /// Raises the soft `RLIMIT_NOFILE` to the hard one, as servers that hold many idle connections
    /// do; returns the soft limit in force.
    private static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}

import CFastCGI
import Glibc

/// Process-wide set-up of libfcgi and of the signals the transport relies on.
enum FastCGILibrary {
    /// Sent to an acceptor thread to make its blocking accept() return `EINTR`.
    static let wakeSignal = SIGUSR2

    /// Runs once, before any acceptor thread exists: `FCGX_Init`, `SIGPIPE` ignored (a client that
    /// went away turns a write into `EPIPE`, not a dead process), and the wake-up handler.
    static func initialize() throws(FastCGIError) {
        if let error = initialization { throw error }
    }

    private static let initialization: FastCGIError? = {
        do throws(FastCGIError) {
            try SystemCalls.ignore(SIGPIPE)
            let code = cfcgi_init_keeping_signals()
            guard code == 0 else { throw .libraryInitFailed(code) }
            try SystemCalls.installWakeHandler(wakeSignal)
            return nil
        } catch {
            return error
        }
    }()
}

import FastCGI
import FoundationEssentials
import Glibc
import Logout

extension LogoutCommand {
    /// The address `LOGOUT_LISTEN` names; one that does not parse is a malformed setting like any other.
    static func listenAddress(_ setting: String?) throws(StartupFailure) -> FastCGIListenAddress {
        guard let setting else { return .inherited }
        let address: FastCGIListenAddress
        do {
            address = try FastCGIListenAddress(parsing: setting)
        } catch {
            throw .configuration(
                ConfigurationError(setting: "LOGOUT_LISTEN", problem: "malformed setting, expected unix:/path or host:port"))
        }
        // sun_path holds the path and its terminating NUL.
        if case .unix(let path) = address, path.utf8.count >= MemoryLayout.size(ofValue: sockaddr_un().sun_path) {
            throw .configuration(
                ConfigurationError(setting: "LOGOUT_LISTEN", problem: "the socket path is longer than a unix socket allows"))
        }
        return address
    }
}

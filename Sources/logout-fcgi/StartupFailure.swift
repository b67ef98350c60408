import Logout
import SupabaseAuth

/// Why the responder did not start.
enum StartupFailure: Error, CustomStringConvertible {
    /// A setting is missing or malformed: EX_CONFIG (78), which systemd can be told not to restart on.
    case configuration(ConfigurationError)
    /// The socket could not be opened, or another live instance holds it.
    case listen(String)

    var exitCode: Int32 {
        switch self {
        case .configuration: 78
        case .listen: 1
        }
    }

    var description: String {
        switch self {
        case .configuration(let error): "\(error)"
        case .listen(let reason): "cannot listen: \(reason)"
        }
    }
}

extension ConfigurationError {
    init(verifierError: TokenVerifierError) {
        switch verifierError {
        case .hmacSecretTooShort(let minimum):
            self.init(setting: "SUPABASE_JWT_SECRET", problem: "shorter than \(minimum) bytes")
        case .noKeysConfigured:
            self.init(setting: "SUPABASE_JWT_SECRET", problem: "no token key configured (set it, SUPABASE_JWKS_FILE or SUPABASE_JWKS_URL)")
        default:
            self.init(setting: "SUPABASE_JWKS_FILE", problem: "\(verifierError)")
        }
    }
}

import FoundationEssentials
import HTTPClient

extension RevocationClient {
    /// What one attempt's answer means for the revocation.
    enum AttemptVerdict: Equatable {
        /// The revocation is decided.
        case final(RevocationOutcome.Result)
        /// Supabase Auth may answer differently soon: try again while attempts and time remain.
        case retry
        /// No answer that a retry could change, yet not a decision upstream made (e.g. cancelled).
        case giveUp
    }

    /// The error code of a response: the `x-sb-error-code` header first, else the body's.
    static func errorCode(of response: HTTPResponse) -> String? {
        if let header = response.header("x-sb-error-code"), !header.isEmpty { return header }
        return RevocationErrorBody(parsing: response.body).errorCode
    }

    /// Maps an HTTP answer as the contract's revocation table says.
    static func verdict(status: Int, errorCode: String?, body: [UInt8]) -> AttemptVerdict {
        switch status {
        case 200..<300:
            return .final(.revoked)
        case 400, 401, 403, 404:
            switch errorCode {
            // A banned user's session cannot be ended while the ban lasts, and a timed ban lifts:
            // the browser's copy goes, which is all that can be done.
            case "session_not_found", "user_not_found", "user_banned":
                return .final(.sessionDead(.sessionNotFound))
            case "bad_jwt", "no_authorization":
                let message = RevocationErrorBody(parsing: body).message ?? ""
                let expired = message.lowercased().contains("expired")
                return .final(.sessionDead(expired ? .tokenExpired : .invalidToken))
            default:
                return .final(.failed(.rejectedConfiguration))
            }
        case 500..<600:
            return .retry
        case 400..<500:
            return .final(.failed(.rejectedConfiguration))
        default:
            return .giveUp
        }
    }

    /// Maps a transfer that got no HTTP answer. Connection failures, timeouts, resets and broken handshakes may
    /// pass: retried. A certificate that does not verify will not fix itself within the deadline: final, as
    /// `.tls`. A URL or header libcurl cannot send means our own settings are wrong. A client that could not
    /// set the request up (its own bug, logged by the client) is no verdict on the settings: given up.
    static func verdict(for error: HTTPClientError) -> AttemptVerdict {
        if error.isTransient { return .retry }
        if error.isCertificateFailure { return .final(.failed(.tls)) }
        if error == .invalidRequest { return .final(.failed(.rejectedConfiguration)) }
        return .giveUp
    }
}

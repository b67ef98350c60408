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
            case "session_not_found", "user_not_found":
                return .final(.sessionDead(.sessionNotFound))
            case "bad_jwt", "no_authorization":
                let message = RevocationErrorBody(parsing: body).message ?? ""
                let expired = message.lowercased().contains("expired")
                return .final(.sessionDead(expired ? .tokenExpired : .invalidToken))
            default:
                return .final(.failed(.rejectedConfiguration))
            }
        case 429, 500..<600:
            return .retry
        case 400..<500:
            return .final(.failed(.rejectedConfiguration))
        default:
            return .giveUp
        }
    }

    /// Maps a transfer that got no HTTP answer. A request libcurl refused to send means our own settings are wrong.
    static func verdict(for error: HTTPClientError) -> AttemptVerdict {
        if error.isTransient { return .retry }
        if error == .invalidRequest { return .final(.failed(.rejectedConfiguration)) }
        return .giveUp
    }
}

import HTTPClient
import HTTPHeaders
import Logging

extension RevocationClient {
    /// A refresh that did not give a fresh access token: what the session's ending comes to.
    struct RefreshEnded: Error {
        var result: RevocationOutcome.Result
    }

    /// A fresh access token for the session `refreshToken` belongs to, from
    /// `POST /auth/v1/token?grant_type=refresh_token`. Supabase Auth rotates the refresh token as it
    /// answers; neither new token is kept, logged or returned beyond this call's use.
    func freshAccessToken(
        _ refreshToken: String?, requestID: String?, progress: inout RevocationProgress, logger: Logger
    ) async -> Result<String, RefreshEnded> {
        guard let refreshToken, SessionCredentials.isWellFormedRefreshToken(refreshToken) else {
            return .failure(RefreshEnded(result: .sessionDead(.invalidToken)))
        }
        var headers = commonHeaders(requestID: requestID)
        headers.insert(HTTPHeader("Content-Type", "application/json"), at: 1)
        // The token holds no character JSON would escape.
        let body = Array(#"{"refresh_token":"\#(refreshToken)"}"#.utf8)
        let request = HTTPRequest(method: "POST", url: tokenURL, headers: headers, body: body)
        let end = await call(request, named: "token", progress: &progress, logger: logger) {
            Self.refreshVerdict(status: $0, errorCode: $1, body: $2)
        }
        switch end {
        case .answered(let response, .revoked):
            guard let fresh = RefreshAnswer.accessToken(in: response.body), HTTPHeader("Authorization", fresh).isWellFormed
            else {
                logger.warning("Supabase Auth's refresh answer held no usable access token")
                return .failure(RefreshEnded(result: .failed(.unavailable)))
            }
            progress.refreshed = true
            return .success(fresh)
        case .answered(_, let result):
            if progress.lastErrorCode == "user_banned" {
                logger.warning("Supabase Auth refused the refresh: the user is banned; the session cannot be ended while the ban lasts")
            }
            return .failure(RefreshEnded(result: result))
        case .unanswered(let result):
            return .failure(RefreshEnded(result: result))
        }
    }

    /// Maps a `/token` answer as the contract's table says; `.final(.revoked)` stands for "a fresh token came".
    static func refreshVerdict(status: Int, errorCode: String?, body: [UInt8]) -> AttemptVerdict {
        switch status {
        case 200..<300:
            return .final(.revoked)
        case 400..<500:
            switch errorCode {
            case "refresh_token_not_found", "refresh_token_already_used", "session_not_found", "session_expired",
                "user_banned":
                return .final(.sessionDead(.sessionNotFound))
            case "validation_failed":
                return .final(.sessionDead(.invalidToken))
            default:
                return .final(.failed(.rejectedConfiguration))
            }
        case 500..<600:
            return .retry
        default:
            return .giveUp
        }
    }
}

/// Reads `access_token` from a `/token` answer, skipping the rest (the user object among it).
enum RefreshAnswer {
    static func accessToken(in body: [UInt8]) -> String? {
        var token: String?
        var scanner = JSONMemberScanner(body)
        let wellFormed = scanner.forEachMember { scanner, key in
            key == "access_token" ? TokenHeader.readOnce(&token, scanner.readString()) : scanner.skipValue()
        }
        guard wellFormed, let token, !token.isEmpty else { return nil }
        return token
    }
}

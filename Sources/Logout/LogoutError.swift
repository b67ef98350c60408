/// Every error the endpoint answers with: its status, its `code` and a short human message.
/// Messages are fixed text: nothing from the request or from Supabase ever reaches a body.
public enum LogoutError: String, Sendable, CaseIterable {
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case payloadTooLarge = "payload_too_large"
    case invalidScope = "invalid_scope"
    case missingToken = "missing_token"
    case originNotAllowed = "origin_not_allowed"
    case csrfTokenMissing = "csrf_token_missing"
    case csrfTokenInvalid = "csrf_token_invalid"
    case invalidToken = "invalid_token"
    case tokenExpired = "token_expired"
    case sessionNotFound = "session_not_found"
    case sessionInvalidationFailed = "session_invalidation_failed"
    case overloaded = "overloaded"

    public var status: Int {
        switch self {
        case .notFound: 404
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .invalidScope: 400
        case .missingToken, .invalidToken, .tokenExpired, .sessionNotFound: 401
        case .originNotAllowed, .csrfTokenMissing, .csrfTokenInvalid: 403
        case .sessionInvalidationFailed: 500
        case .overloaded: 503
        }
    }

    public var message: String {
        switch self {
        case .notFound: "Not found."
        case .methodNotAllowed: "Method not allowed; use POST."
        case .payloadTooLarge: "Request body too large."
        case .invalidScope: "Scope must be local, global or others."
        case .missingToken: "No access token."
        case .originNotAllowed: "Origin not allowed."
        case .csrfTokenMissing: "CSRF token missing."
        case .csrfTokenInvalid: "CSRF token invalid."
        case .invalidToken: "Invalid access token."
        case .tokenExpired: "Access token expired."
        case .sessionNotFound: "Session already ended."
        case .sessionInvalidationFailed: "Could not end the session; try again."
        case .overloaded: "Too busy; retry shortly."
        }
    }

    /// A dead session or a bad token: the client holds nothing usable, so its cookies go.
    var clearsCookies: Bool {
        switch self {
        case .invalidToken, .tokenExpired, .sessionNotFound: true
        default: false
        }
    }

    /// `{"error":{"code":"…","message":"…"}}`; codes and messages need no JSON escaping.
    var body: String {
        #"{"error":{"code":"\#(rawValue)","message":"\#(message)"}}"#
    }
}

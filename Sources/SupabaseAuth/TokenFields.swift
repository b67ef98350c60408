/// The header fields of a JWS that choosing its key needs.
struct TokenHeader {
    var algorithm: String
    var keyID: String?

    /// Nil when the header is not a JSON object, has no `alg`, repeats a field read here, or
    /// carries `crit`: an extension this verifier does not understand must not be ignored (RFC
    /// 7515 §4.1.11).
    init?(json: [UInt8]) {
        var algorithm: String?
        var keyID: String?
        var scanner = JSONMemberScanner(json)
        let wellFormed = scanner.forEachMember { scanner, key in
            switch key {
            case "alg": return Self.readOnce(&algorithm, scanner.readString())
            case "kid": return Self.readOnce(&keyID, scanner.readString())
            case "crit": return false
            default: return scanner.skipValue()
            }
        }
        guard wellFormed, let algorithm else { return nil }
        self.algorithm = algorithm
        self.keyID = keyID
    }

    /// Stores a field's value the first time; a repeated or unreadable field is refused, so no
    /// two JSON readers could see different values.
    static func readOnce<Value>(_ slot: inout Value?, _ value: Value?) -> Bool {
        guard slot == nil, let value else { return false }
        slot = value
        return true
    }
}

/// The claims of an access token that the checks read; the rest of the payload is skipped.
struct TokenPayload {
    var subject: String?
    var sessionID: String?
    /// `exp` in seconds since 1970; a fractional value is allowed.
    var expiresAt: Double?
    var issuer: String?
    /// `aud`: one string or an array of them.
    var audience: [String]?

    /// Nil when the payload is not a JSON object, or a claim read here is repeated or of the
    /// wrong type.
    init?(json: [UInt8]) {
        var payload = TokenPayload()
        var scanner = JSONMemberScanner(json)
        let wellFormed = scanner.forEachMember { scanner, key in
            switch key {
            case "sub": return TokenHeader.readOnce(&payload.subject, scanner.readString())
            case "session_id": return TokenHeader.readOnce(&payload.sessionID, scanner.readString())
            case "exp": return TokenHeader.readOnce(&payload.expiresAt, scanner.readNumber())
            case "iss": return TokenHeader.readOnce(&payload.issuer, scanner.readString())
            case "aud": return TokenHeader.readOnce(&payload.audience, scanner.readStrings())
            default: return scanner.skipValue()
            }
        }
        guard wellFormed else { return nil }
        self = payload
    }

    private init() {}
}

/// Reads the `session_id` of an access token without verifying it. Only the signed CSRF check uses
/// this, before the token check; a forged token fails its own signature check right after.
public enum UnverifiedClaims {
    public static func sessionID(of token: String) -> String? {
        let bytes = token.utf8
        guard let parts = CompactJWS.parts(of: bytes), bytes[parts.payload].count <= 16 * 1024,
            let payload = Base64URL.decodeLeniently(bytes[parts.payload]),
            let claims = JSONMemberScanner.strings(forKeys: ["session_id"], inObject: payload)
        else { return nil }
        return claims["session_id"]
    }
}

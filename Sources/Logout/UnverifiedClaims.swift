import FoundationEssentials
import SupabaseAuth

/// Reads the `session_id` of an access token without verifying it. Only the signed CSRF check uses
/// this, before the token check; a forged token fails its own signature check right after.
enum UnverifiedClaims {
    static func sessionID(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].utf8.count <= 16 * 1024, let payload = Base64URL.decode(parts[1]),
            let claims = JSONMemberScanner.strings(forKeys: ["session_id"], inObject: [UInt8](payload))
        else { return nil }
        return claims["session_id"]
    }
}

import Crypto
import FoundationEssentials

/// Double-submit CSRF check: the `X-CSRF-Token` header must equal the CSRF cookie. With a secret,
/// the token must also be signed and bound to the session (OWASP's signed double-submit cookie):
/// `hex(HMAC-SHA256(secret, len(sid)!sid!len(nonce)!nonce)) + "." + nonce`, nonce in hex.
struct CSRFCheck: Sendable {
    enum Failure: Equatable {
        case missing
        case invalid
    }

    private let secret: SymmetricKey?

    init(secret: String?) {
        self.secret = secret.map { SymmetricKey(data: Data($0.utf8)) }
    }

    /// `sessionIDs` are the `session_id`s of the access tokens the request carries, read before the
    /// tokens are verified (a forged token still fails its own signature check next); a signed token
    /// bound to any of them is valid.
    func check(header: String?, cookie: Substring?, sessionIDs: [String]) -> Failure? {
        guard let header, !header.isEmpty, let cookie, !cookie.isEmpty else { return .missing }
        guard ConstantTime.equal(Array(header.utf8), Array(cookie.utf8)) else { return .invalid }
        guard let secret else { return nil }
        return sessionIDs.contains(where: { isSigned(header, for: $0, with: secret) }) ? nil : .invalid
    }

    private func isSigned(_ token: String, for sessionID: String, with secret: SymmetricKey) -> Bool {
        guard !sessionID.isEmpty, let dot = token.firstIndex(of: ".") else { return false }
        let mac = token[..<dot].lowercased()
        let nonce = token[token.index(after: dot)...]
        guard !nonce.isEmpty, nonce.utf8.allSatisfy(Hex.isDigit) else { return false }
        let message = "\(sessionID.count)!\(sessionID)!\(nonce.count)!\(nonce)"
        let expected = Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: secret))
        return ConstantTime.equal(Array(mac.utf8), Array(expected.utf8))
    }
}

enum ConstantTime {
    /// Compares without an early exit, so the time taken does not tell how many leading bytes matched.
    static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}

enum Hex {
    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

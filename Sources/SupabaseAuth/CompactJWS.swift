/// A JWS in compact serialization, split and decoded without Foundation: the header and payload
/// JSON, the signature, and the signing input the signature covers.
struct CompactJWS {
    let header: [UInt8]
    let payload: [UInt8]
    let signature: [UInt8]
    /// `base64url(header) "." base64url(payload)`: the bytes the signature signs.
    let signingInput: ArraySlice<UInt8>

    /// Nil unless `token` is exactly three base64url parts separated by periods.
    init?(_ token: [UInt8]) {
        guard let first = token.firstIndex(of: UInt8(ascii: ".")),
            let second = token[(first + 1)...].firstIndex(of: UInt8(ascii: ".")),
            !token[(second + 1)...].contains(UInt8(ascii: "."))
        else { return nil }
        guard let header = Base64URL.decode(token[..<first]),
            let payload = Base64URL.decode(token[(first + 1)..<second]),
            let signature = Base64URL.decode(token[(second + 1)...]),
            !header.isEmpty, !payload.isEmpty, !signature.isEmpty
        else { return nil }
        self.header = header
        self.payload = payload
        self.signature = signature
        signingInput = token[..<second]
    }
}

/// Base64url without padding (RFC 7515 §2), as JWS uses it.
enum Base64URL {
    private static let invalid: UInt8 = 0xff
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// The decoded bytes, or nil for a character outside the alphabet, padding, or an impossible length.
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in text {
            let value = values[Int(character)]
            guard value != invalid else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero, or two encodings would decode alike.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return output
    }
}

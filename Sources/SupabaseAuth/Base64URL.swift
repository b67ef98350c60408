/// Base64url (RFC 4648 §5): strict, as JWS writes it (RFC 7515 §2), or lenient, as session cookies may
/// carry it.
public enum Base64URL {
    private static let invalid: UInt8 = 0xff
    private static let urlValues = values(of: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    /// The URL alphabet, with standard base64's `+` and `/` as well.
    private static let eitherValues: [UInt8] = {
        var table = urlValues
        table[Int(UInt8(ascii: "+"))] = 62
        table[Int(UInt8(ascii: "/"))] = 63
        return table
    }()

    /// The decoded bytes, or nil for a character outside the URL alphabet, padding, an impossible length,
    /// or leftover bits that are not zero (two encodings would decode alike).
    public static func decode<Text: Collection<UInt8>>(_ text: Text) -> [UInt8]? {
        decode(text, values: urlValues, leftoverBitsMustBeZero: true)
    }

    /// As strict ``decode(_:)``, except that standard base64's `+` and `/` are read too, `=` at either end
    /// is ignored and leftover bits are not checked: what `@supabase/ssr` writes and what it may be handed.
    public static func decodeLeniently<Text: BidirectionalCollection<UInt8>>(_ text: Text) -> [UInt8]? {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, text[start] == UInt8(ascii: "=") { start = text.index(after: start) }
        while start < end, text[text.index(before: end)] == UInt8(ascii: "=") { end = text.index(before: end) }
        return decode(text[start..<end], values: eitherValues, leftoverBitsMustBeZero: false)
    }

    private static func decode<Text: Collection<UInt8>>(
        _ text: Text, values: [UInt8], leftoverBitsMustBeZero: Bool
    ) -> [UInt8]? {
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
        guard !leftoverBitsMustBeZero || accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return output
    }

    private static func values(of alphabet: String) -> [UInt8] {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in alphabet.utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }
}

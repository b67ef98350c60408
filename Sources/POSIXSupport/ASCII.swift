/// Byte-level ASCII text helpers for protocol tokens, without building lowercased copies.
public enum ASCII {
    /// True when `bytes` and `other` are equal ignoring the case of ASCII letters.
    @inlinable
    public static func caseInsensitiveEqual<A: Collection<UInt8>, B: Collection<UInt8>>(_ bytes: A, _ other: B) -> Bool {
        bytes.count == other.count && zip(bytes, other).allSatisfy { lowercase($0) == lowercase($1) }
    }

    /// The byte with an ASCII capital letter turned lowercase; every other byte as it is.
    @inlinable
    public static func lowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    /// How many bytes ``appendDecimal(_:minimumDigits:to:)`` appends for `value` with one minimum digit.
    @inlinable
    public static func decimalLength(of value: Int) -> Int {
        guard value >= 0 else { return String(value).utf8.count }
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// Appends `value` in decimal, padded with leading zeros to at least `minimumDigits`.
    @inlinable
    public static func appendDecimal(_ value: Int, minimumDigits: Int = 1, to bytes: inout [UInt8]) {
        guard value >= 0 else {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        var divisor = 1
        var digits = 1
        while divisor <= value / 10 || digits < minimumDigits {
            divisor *= 10
            digits += 1
        }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

extension String {
    /// Equality ignoring the case of ASCII letters, without building a lowercased copy.
    @inlinable
    public func isASCIICaseInsensitiveEqual(to other: String) -> Bool {
        ASCII.caseInsensitiveEqual(utf8, other.utf8)
    }
}

/// Walks the members of one JSON object and reads only the values its caller asks for: the few
/// header and claim fields a token check needs, without decoding the rest (Supabase tokens carry
/// metadata objects this service never looks at). Strict where it reads, bounded where it skips:
/// nesting past ``maximumDepth`` is malformed.
public struct JSONMemberScanner {
    static let maximumDepth = 32
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Calls `member` with each key of the top-level object, in order; `member` must read or skip
    /// the value and return false when it is unacceptable. Returns false for malformed JSON, a
    /// refused member, or anything after the object.
    mutating func forEachMember(_ member: (inout JSONMemberScanner, String) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return isAtEnd }
        repeat {
            guard let key = readString(), consume(UInt8(ascii: ":")), member(&self, key) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}")) && isAtEnd
    }

    /// A string value, or nil when the value is something else or malformed.
    mutating func readString() -> String? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        var hasEscape = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return hasEscape ? unescape(bytes[start..<index]) : String(decoding: bytes[start..<index], as: UTF8.self)
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                hasEscape = true
                index += 1
            }
            index += 1
        }
        return nil
    }

    /// A number value, or nil when the value is something else or malformed.
    mutating func readNumber() -> Double? {
        skipWhitespace()
        let start = index
        while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
        guard index > start, bytes[start] != UInt8(ascii: "+") else { return nil }
        return Double(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    /// A string or an array of strings (`aud`), or nil when the value is anything else.
    mutating func readStrings() -> [String]? {
        skipWhitespace()
        guard consume(UInt8(ascii: "[")) else { return readString().map { [$0] } }
        var strings: [String] = []
        if consume(UInt8(ascii: "]")) { return strings }
        repeat {
            guard let string = readString() else { return nil }
            strings.append(string)
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? strings : nil
    }

    /// Passes over any value. Returns false when it is malformed or nested too deep.
    mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < Self.maximumDepth else { return false }
        skipWhitespace()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return readString() != nil
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return true }
            repeat {
                guard readString() != nil, consume(UInt8(ascii: ":")), skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        case UInt8(ascii: "t"): return consumeLiteral("true")
        case UInt8(ascii: "f"): return consumeLiteral("false")
        case UInt8(ascii: "n"): return consumeLiteral("null")
        default: return readNumber() != nil
        }
    }

    var isAtEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.count
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count,
            bytes[index..<index + count].elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: count))
        else { return false }
        index += count
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d else { return }
            index += 1
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e")
    }

    /// The text of a string with escapes, or nil for an invalid escape or a lone surrogate.
    private func unescape(_ raw: ArraySlice<UInt8>) -> String? {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var position = raw.startIndex
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        while position < raw.endIndex {
            let byte = raw[position]
            position += 1
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                continue
            }
            guard position < raw.endIndex else { return nil }
            let escape = raw[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0c)
            case UInt8(ascii: "n"): utf8.append(0x0a)
            case UInt8(ascii: "r"): utf8.append(0x0d)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                guard let scalar = Self.unicodeEscape(raw, at: &position) else { return nil }
                flush()
                scalars.append(scalar)
            default:
                return nil
            }
        }
        flush()
        return String(scalars)
    }

    /// The scalar of a `\uXXXX` escape whose hex digits start at `position` (a surrogate pair takes
    /// two escapes); `position` moves past them. Nil for bad digits or a lone surrogate.
    private static func unicodeEscape(_ raw: ArraySlice<UInt8>, at position: inout Int) -> Unicode.Scalar? {
        guard var unit = hexUnit(raw, at: position) else { return nil }
        position += 4
        if (0xD800..<0xDC00).contains(unit) {
            guard raw[position...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]),
                let low = hexUnit(raw, at: position + 2), (0xDC00..<0xE000).contains(low)
            else { return nil }
            position += 6
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        }
        return Unicode.Scalar(unit)
    }

    private static func hexUnit(_ raw: ArraySlice<UInt8>, at position: Int) -> UInt32? {
        guard raw.endIndex - position >= 4 else { return nil }
        var value: UInt32 = 0
        for byte in raw[position..<position + 4] {
            guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

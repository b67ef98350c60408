extension JSONMemberScanner {
    /// The string members of a JSON object whose keys are in `keys` (a repeated key: its last
    /// value); members of other types and other keys are skipped. Nil unless `json` is one
    /// well-formed object.
    public static func strings(forKeys keys: [String], inObject json: [UInt8]) -> [String: String]? {
        var strings: [String: String] = [:]
        var scanner = JSONMemberScanner(json)
        let wellFormed = scanner.forEachMember { scanner, key in
            guard keys.contains(key) else { return scanner.skipValue() }
            guard let value = scanner.readString() else { return scanner.skipValue() }
            strings[key] = value
            return true
        }
        return wellFormed ? strings : nil
    }

    /// The first element of a JSON array when it is a string. Nil unless `json` is one well-formed
    /// array that starts with a string.
    public static func firstString(inArray json: [UInt8]) -> String? {
        var scanner = JSONMemberScanner(json)
        guard scanner.consume(UInt8(ascii: "[")), let first = scanner.readString() else { return nil }
        while scanner.consume(UInt8(ascii: ",")) {
            guard scanner.skipValue(depth: 1) else { return nil }
        }
        return scanner.consume(UInt8(ascii: "]")) && scanner.isAtEnd ? first : nil
    }
}

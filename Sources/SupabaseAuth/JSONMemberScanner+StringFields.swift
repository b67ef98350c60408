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
        leadingStrings(inArray: json, count: 1)?.first ?? nil
    }

    /// The first `count` elements of a JSON array, each the string it is or nil for a value of another
    /// type (fewer when the array is shorter). Nil unless `json` is one well-formed array that starts
    /// with a string.
    public static func leadingStrings(inArray json: [UInt8], count: Int) -> [String?]? {
        var scanner = JSONMemberScanner(json)
        guard scanner.consume(UInt8(ascii: "[")), let first = scanner.readString() else { return nil }
        var leading: [String?] = [first]
        while scanner.consume(UInt8(ascii: ",")) {
            if leading.count < count, let string = scanner.readString() {
                leading.append(string)
                continue
            }
            guard scanner.skipValue(depth: 1) else { return nil }
            if leading.count < count { leading.append(nil) }
        }
        return scanner.consume(UInt8(ascii: "]")) && scanner.isAtEnd ? leading : nil
    }
}

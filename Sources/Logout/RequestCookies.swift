/// The request's `Cookie` header as ordered name/value pairs; the first of a repeated name wins a
/// lookup by name, and ``values(named:)`` gives every one of them in order.
///
/// Parsing and lookups are linear in the header's size: a header with thousands of names must cost no
/// more than reading it once.
struct RequestCookies {
    /// Every distinct name, in the order of its first appearance.
    private(set) var names: [Substring] = []
    private var valuesByName: [Substring: Substring] = [:]
    /// The second and later values of a repeated name (a host-only copy beside a `Domain` one).
    private var laterValuesByName: [Substring: [Substring]] = [:]

    init(header: String?) {
        guard var header, !header.isEmpty else { return }
        header.makeContiguousUTF8()
        // One pass over the bytes: `;` ends a pair, its first `=` ends the name. Offsets, not the
        // collection algorithms, keep a header of thousands of names cheap in every build.
        header.utf8.withContiguousStorageIfAvailable { bytes in
            var pairStart = 0
            while pairStart < bytes.count {
                var pairEnd = pairStart
                var equals: Int?
                while pairEnd < bytes.count, bytes[pairEnd] != UInt8(ascii: ";") {
                    if equals == nil, bytes[pairEnd] == UInt8(ascii: "=") { equals = pairEnd }
                    pairEnd += 1
                }
                if let equals {
                    var value = Self.trimmed(bytes, equals + 1, pairEnd)
                    if value.count >= 2, bytes[value.lowerBound] == UInt8(ascii: "\""), bytes[value.upperBound - 1] == UInt8(ascii: "\"") {
                        value = value.lowerBound + 1..<value.upperBound - 1
                    }
                    add(header, name: Self.trimmed(bytes, pairStart, equals), value: value)
                }
                pairStart = pairEnd + 1
            }
        }
    }

    private mutating func add(_ header: String, name: Range<Int>, value: Range<Int>) {
        guard !name.isEmpty else { return }
        let nameText = header.substring(utf8Offsets: name)
        let valueText = header.substring(utf8Offsets: value)
        if valuesByName[nameText] == nil {
            valuesByName[nameText] = valueText
            names.append(nameText)
        } else {
            laterValuesByName[nameText, default: []].append(valueText)
        }
    }

    /// `start..<end` without the spaces and tabs at either end.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int> {
        var (start, end) = (start, end)
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return start..<end
    }

    subscript(name: String) -> Substring? {
        valuesByName[Substring(name)]
    }

    /// The `copy`-th value sent under `name` (0: the first), without building the list of them.
    func value(named name: String, copy: Int) -> Substring? {
        let key = Substring(name)
        guard copy > 0 else { return valuesByName[key] }
        guard let later = laterValuesByName[key], copy <= later.count else { return nil }
        return later[copy - 1]
    }

    /// Every value sent under `name`, in the order they came.
    func values(named name: String) -> [Substring] {
        let key = Substring(name)
        guard let first = valuesByName[key] else { return [] }
        return [first] + (laterValuesByName[key] ?? [])
    }
}

extension String {
    fileprivate func substring(utf8Offsets range: Range<Int>) -> Substring {
        let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        return self[start..<utf8.index(start, offsetBy: range.count)]
    }
}

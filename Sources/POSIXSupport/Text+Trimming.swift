extension StringProtocol {
    /// The text without the leading and trailing characters for which `isTrimmed` is true, e.g.
    /// `trimming(while: \.isWhitespace)` for what Foundation calls whitespace and newlines.
    @inlinable
    public func trimming(while isTrimmed: (Character) -> Bool) -> SubSequence {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) }) else {
            return self[endIndex..<endIndex]
        }
        return self[first...last]
    }
}

extension Character {
    /// Whitespace within a line: spaces and tabs of any script, not line breaks.
    @inlinable
    public var isSpaceOrTab: Bool { isWhitespace && !isNewline }

    /// HTTP's optional whitespace (RFC 9110 §5.6.3): an ASCII space or horizontal tab, nothing else.
    @inlinable
    public var isASCIISpaceOrTab: Bool { self == " " || self == "\t" }
}

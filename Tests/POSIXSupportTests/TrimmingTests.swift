import POSIXSupport
import Testing

@Suite("Trimming")
struct TrimmingTests {
    @Test func dropsMatchingCharactersAtBothEndsOnly() {
        #expect(" \t a b \r\n".trimming(while: \.isWhitespace) == "a b")
        #expect("==ab=c==".trimming { $0 == "=" } == "ab=c")
        #expect("abc".trimming(while: \.isWhitespace) == "abc")
        #expect(" \n ".trimming(while: \.isWhitespace) == "")
        #expect("".trimming(while: \.isWhitespace) == "")
    }

    @Test func spacesAndTabsAreNotLineBreaks() {
        #expect("\u{00A0}\t x \n".trimming(while: \.isSpaceOrTab) == "x \n")
        #expect(Character("\r\n").isSpaceOrTab == false)
    }

    @Test func httpWhitespaceIsOnlyASCIISpaceAndTab() {
        #expect(" \t 42\t ".trimming(while: \.isASCIISpaceOrTab) == "42")
        #expect("\u{00A0}42 ".trimming(while: \.isASCIISpaceOrTab) == "\u{00A0}42")
        #expect("\r\n42".trimming(while: \.isASCIISpaceOrTab) == "\r\n42")
    }
}

import Testing

@testable import Logout

@Suite("Percent decoding")
struct PercentDecodingTests {
    @Test func decodesEscapesOfEitherCaseIntoUTF8() {
        #expect("%7B%22a%22%3a1%7d".removingPercentEncoding == #"{"a":1}"#)
        #expect("caf%C3%A9+%20x".removingPercentEncoding == "café+ x")
        #expect("plain".removingPercentEncoding == "plain")
        #expect("".removingPercentEncoding == "")
    }

    @Test(arguments: ["%", "%4", "abc%zz", "%G1", "%FF", "%C3"])
    func aBrokenEscapeOrBytesThatAreNotUTF8GiveNil(text: String) {
        #expect(text.removingPercentEncoding == nil)
    }

    @Test func queryValuesArePlusAndPercentDecoded() {
        #expect(QueryString.value(of: "scope", in: "a=1&scope=gl%6Fbal+x&scope=local") == "global x")
        #expect(QueryString.value(of: "scope", in: "scope=%zz") == "%zz")
        #expect(QueryString.value(of: "scope", in: "scope") == "")
        #expect(QueryString.value(of: "scope", in: "other=1") == nil)
    }
}

import SupabaseAuth
import Testing

/// The string-field readers other modules use for small JSON documents (error bodies, session cookies).
@Suite("JSON string fields")
struct JSONStringFieldsTests {
    static func strings(_ keys: [String], _ json: String) -> [String: String]? {
        JSONMemberScanner.strings(forKeys: keys, inObject: Array(json.utf8))
    }

    static func first(_ json: String) -> String? { JSONMemberScanner.firstString(inArray: Array(json.utf8)) }

    @Test func readsTheNamedStringsAndSkipsEverythingElse() {
        let json = #"{"code":403,"nested":{"msg":"inner"},"msg":"outer \"quoted\" \u00e9","list":[1,"x"],"ok":true}"#
        #expect(Self.strings(["code", "msg", "absent"], json) == ["msg": "outer \"quoted\" é"])
    }

    @Test func theLastOfARepeatedKeyWins() {
        #expect(Self.strings(["a"], #"{"a":"1","a":"2"}"#) == ["a": "2"])
    }

    @Test func anEmptyObjectHasNoStrings() {
        #expect(Self.strings(["a"], " { } ") == [:])
    }

    @Test(arguments: ["", "[]", "\"a\"", #"{"a":"1""#, #"{"a":"1"} x"#, #"{"a":"\x"}"#, #"{"a":}"#, "<html>"])
    func whatIsNotOneObjectGivesNil(json: String) {
        #expect(Self.strings(["a"], json) == nil)
    }

    @Test func readsTheFirstElementOfAnArray() {
        #expect(Self.first(#"["header.payload.signature","r1",null,{"a":[1]},false]"#) == "header.payload.signature")
        #expect(Self.first(#" [ "only" ] "#) == "only")
    }

    @Test(arguments: ["[]", "[1,\"a\"]", "[null]", #"["a","b""#, #"["a",]"#, #"{"0":"a"}"#, #"["a"] ["b"]"#])
    func anArrayThatDoesNotStartWithAStringGivesNil(json: String) {
        #expect(Self.first(json) == nil)
    }
}

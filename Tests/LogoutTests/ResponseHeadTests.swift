import FastCGI
import HTTPHeaders
import Testing

@testable import Logout

@Suite("Response head budget")
struct ResponseHeadTests {
    /// The bytes of the head the transport actually writes, up to and including the blank line.
    func writtenHeadBytes(_ response: FastCGIResponse) -> Int {
        let wire = response.wireBytes()
        let end = (0..<wire.count - 3).first { wire[$0..<$0 + 4].elementsEqual("\r\n\r\n".utf8) }!
        return end + 4
    }

    @Test(arguments: [200] + LogoutError.allCases.map(\.status))
    func headersAreAddedInOrderUntilTheFirstThatDoesNotFit(status: Int) {
        var response = FastCGIResponse(status: status, headers: [.init("Content-Type", "application/json")], body: "{}")
        let extra = (0..<200).map { HTTPHeader("Set-Cookie", "sb-abcd-auth-token.\($0)=; Path=/; Max-Age=0") }
        response.appendWhileHeadFits(extra)

        let added = response.headers.dropFirst()
        #expect(added.count > 50 && added.count < 200)
        #expect(Array(added) == Array(extra.prefix(added.count)))
        #expect(writtenHeadBytes(response) <= ResponseHead.byteLimit)
        #expect(writtenHeadBytes(response) + FastCGIResponse.lineByteCount(extra[added.count]) > ResponseHead.byteLimit)
    }
}

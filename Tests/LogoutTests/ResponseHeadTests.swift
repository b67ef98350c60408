import HTTPHeaders
import Testing

@testable import FastCGI
@testable import Logout

@Suite("Response head budget")
struct ResponseHeadTests {
    /// The bytes of the head the transport actually writes, up to and including the blank line.
    func writtenHeadBytes(_ response: Response) -> Int {
        let wire = FastCGIResponse(status: response.status, headers: response.headers, body: response.body).wireBytes()
        let end = (0..<wire.count - 3).first { wire[$0..<$0 + 4].elementsEqual("\r\n\r\n".utf8) }!
        return end + 4
    }

    @Test(arguments: [200] + LogoutError.allCases.map(\.status))
    func theCountCoversTheWrittenHeadWithinTheReasonPhraseBound(status: Int) {
        let response = Response(
            status: status, headers: [.init("Content-Type", "application/json"), .init("Set-Cookie", "a=; Path=/")],
            body: #"{"data":{"success":true}}"#)
        let counted = ResponseHead.byteCount(of: response)
        let written = writtenHeadBytes(response)
        #expect(counted >= written)
        #expect(counted - written <= ResponseHead.reasonPhraseBound)
    }

    @Test func headersAreAddedInOrderUntilTheFirstThatDoesNotFit() {
        var response = Response(status: 200, headers: [.init("Content-Type", "application/json")], body: "{}")
        let extra = (0..<200).map { HTTPHeader("Set-Cookie", "sb-abcd-auth-token.\($0)=; Path=/; Max-Age=0") }
        response.appendWhileHeadFits(extra)

        let added = response.headers.dropFirst()
        #expect(added.count > 50 && added.count < 200)
        #expect(Array(added) == Array(extra.prefix(added.count)))
        #expect(writtenHeadBytes(response) <= ResponseHead.byteLimit)
        #expect(ResponseHead.byteCount(of: response) + ResponseHead.lineBytes(extra[added.count]) > ResponseHead.byteLimit)
    }
}

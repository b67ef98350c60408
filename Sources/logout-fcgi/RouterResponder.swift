import FastCGI
import Logout

/// The router behind the FastCGI transport: the transport's request is the router's request view,
/// and the router's answers become the transport's replies, `.later` keeping the load shedding.
struct RouterResponder: FastCGIResponder {
    let router: Router

    func respond(to request: borrowing FastCGIRequest) -> FastCGIReply {
        switch router.respond(to: request) {
        case .now(let response):
            return .now(FastCGIResponse(response))
        case .later(let deferred):
            return .later(
                whenOverloaded: { FastCGIResponse(deferred.overloaded()) },
                work: { FastCGIResponse(await deferred.run()) })
        }
    }
}

// `param(_:)` and `bodyTooLarge` are the transport's own: the router reads params by name, as libfcgi
// holds them, without copying them into a dictionary.
extension FastCGIRequest: RequestView {}

extension FastCGIResponse {
    /// The same status, headers and body; nothing is copied.
    init(_ response: Response) {
        self.init(status: response.status, headers: response.headers, body: response.body)
    }
}

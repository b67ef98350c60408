import FastCGI
import Logout

/// The router behind the FastCGI transport: the transport's request is the router's request view,
/// and the router's answers are the transport's replies, `.later` keeping the load shedding.
struct RouterResponder: FastCGIResponder {
    let router: Router

    func respond(to request: borrowing FastCGIRequest) -> FastCGIReply {
        switch router.respond(to: request) {
        case .now(let response):
            return .now(response)
        case .later(let deferred):
            return .later(whenOverloaded: { deferred.overloaded() }, work: { await deferred.run() })
        }
    }
}

// `param(_:)` and `bodyTooLarge` are the transport's own: the router reads params by name, as libfcgi
// holds them, without copying them into a dictionary.
extension FastCGIRequest: RequestView {}


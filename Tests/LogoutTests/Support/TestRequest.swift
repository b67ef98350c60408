import Logout

/// A request held in memory as a dictionary of CGI params: the router's view of a request without a
/// transport.
struct TestRequest: RequestView {
    var params: [String: String]
    var bodyTooLarge = false

    func param(_ name: String) -> String? {
        params[name]
    }
}

import CCurl
import HTTPHeaders
import POSIXSupport

/// One transfer on the event-loop thread: its easy handle, the header list it sends, and the response as it arrives.
///
/// libcurl's callbacks find it through the user-data pointer; the loop keeps it alive until the transfer ends.
final class Transfer {
    let ticket: Ticket
    let easy: Curl.Easy
    let continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>
    var headerList: Curl.HeaderList?
    /// `CURLOPT_ERRORBUFFER`: libcurl's message for a failed transfer, which tells certificate failures apart.
    let errorBuffer = UnsafeMutableRawPointer.allocate(byteCount: Int(CURL_ERROR_SIZE), alignment: 1)
    /// Monotonic nanoseconds by which the whole transfer must be done; set by `configure`.
    var deadlineNanoseconds: UInt64 = 0
    /// Paces this transfer's origin into libcurl; set as the loop takes the transfer on.
    var admission: OriginAdmission?
    /// Added to the multi handle (not waiting in its origin's queue).
    var isInMultiHandle = false
    /// The local port of the connection libcurl started the transfer on (`CURLOPT_PREREQFUNCTION`); nil before.
    private(set) var startedOnLocalPort: Int32?

    private let maxBodyBytes: Int
    private let maxHeaderBytes: Int
    private var headerBytes = 0
    private(set) var headers: [HTTPHeader] = []
    private(set) var body: [UInt8] = []
    /// The response outgrew a limit and the callback stopped the transfer.
    private(set) var exceededLimit = false

    init(
        ticket: Ticket, easy: Curl.Easy,
        continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>,
        maxBodyBytes: Int, maxHeaderBytes: Int
    ) {
        self.ticket = ticket
        self.easy = easy
        self.continuation = continuation
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        errorBuffer.storeBytes(of: 0, as: UInt8.self)
    }

    /// Frees the request's header list and the error buffer, which libcurl uses until the handle is reset.
    /// Call once, after the reset; a handle libcurl kept keeps them (leaked rather than freed under it).
    func releaseHandleMemory() {
        Curl.listFreeAll(headerList)
        headerList = nil
        errorBuffer.deallocate()
    }

    /// libcurl's message for the failed transfer; empty when it wrote none.
    var errorMessage: String {
        String(cString: errorBuffer.assumingMemoryBound(to: CChar.self))
    }

    /// Takes one body chunk; false (stop the transfer) once the body would outgrow the limit.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard body.count + chunk.count <= maxBodyBytes else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// Takes one header line as libcurl delivers it (status lines and the blank line included);
    /// false (stop the transfer) once the header block would outgrow the limit.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) -> Bool {
        headerBytes += line.count
        guard headerBytes <= maxHeaderBytes else {
            exceededLimit = true
            return false
        }
        if line.starts(with: "HTTP/".utf8) {
            // A new status line (after a 1xx or a redirect): only the last block describes the response.
            headers.removeAll(keepingCapacity: true)
            return true
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return true }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        var value = line[(colon + 1)...]
        while let first = value.first, Self.isWhitespace(first) { value = value.dropFirst() }
        while let last = value.last, Self.isWhitespace(last) { value = value.dropLast() }
        headers.append(HTTPHeader(name, String(decoding: value, as: UTF8.self)))
        return true
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}

extension Transfer {
    /// `CURLOPT_WRITEFUNCTION`: the body chunk goes to the transfer named by the user-data pointer.
    static let writeCallback: Curl.DataCallback = { data, size, count, userData in
        let transfer = Unmanaged<Transfer>.fromOpaque(userData!).takeUnretainedValue()
        let chunk = UnsafeRawBufferPointer(start: data, count: size * count)
        return transfer.receiveBody(chunk) ? size * count : 0
    }

    /// `CURLOPT_PREREQFUNCTION`: the transfer named by the user-data pointer has a connection and sends its request.
    static let prereqCallback: Curl.PrereqCallback = { userData, _, _, _, localPort in
        let transfer = Unmanaged<Transfer>.fromOpaque(userData!).takeUnretainedValue()
        if let previousPort = transfer.startedOnLocalPort {
            // libcurl retries a request whose reused connection turned out dead on another one.
            transfer.admission?.transferEnded(startedOnLocalPort: previousPort)
            transfer.admission?.transferAdmitted()
        }
        transfer.startedOnLocalPort = localPort
        transfer.admission?.transferStarted(onLocalPort: localPort)
        return CURL_PREREQFUNC_OK
    }

    /// `CURLOPT_HEADERFUNCTION`: one header line goes to the transfer named by the user-data pointer.
    static let headerCallback: Curl.DataCallback = { data, size, count, userData in
        let transfer = Unmanaged<Transfer>.fromOpaque(userData!).takeUnretainedValue()
        let line = UnsafeRawBufferPointer(start: data, count: size * count)
        return transfer.receiveHeaderLine(line) ? size * count : 0
    }
}

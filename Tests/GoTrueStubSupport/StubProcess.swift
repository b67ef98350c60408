import Foundation

/// The `python3` child running the stand-in, and its pipes.
///
/// The launcher holds the write end of the child's stdin: when the test process dies, the pipe closes and the
/// stand-in (started with `--exit-on-stdin-eof`) exits instead of lingering on its ports.
final class StubProcess: @unchecked Sendable {
    // Guards `stopped`; `process` and the pipes are only touched under it after launch.
    private let lock = NSLock()
    private let process: Process
    private let stdin: Pipe
    private let stdout: Pipe
    private var stopped = false

    private init(process: Process, stdin: Pipe, stdout: Pipe) {
        self.process = process
        self.stdin = stdin
        self.stdout = stdout
    }

    /// Starts `python3 script arguments…` and waits up to `readyTimeout` for its first stdout line.
    static func launch(script: String, arguments: [String], readyTimeout: TimeInterval) throws -> (StubProcess, String) {
        guard FileManager.default.fileExists(atPath: script) else {
            throw GoTrueStubError.launchFailed("no script at \(script)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        do {
            try process.run()
        } catch {
            throw GoTrueStubError.launchFailed(String(describing: error))
        }
        let child = StubProcess(process: process, stdin: stdin, stdout: stdout)
        guard let line = FirstLineReader.read(from: stdout.fileHandleForReading, timeout: readyTimeout) else {
            child.stop()
            throw GoTrueStubError.notReady("no READY line within \(Int(readyTimeout)) s")
        }
        return (child, line)
    }

    /// Sends SIGTERM and waits for the exit (SIGKILL after 5 s, then at most 5 s more). Safe to call more than once.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        try? stdin.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
        }
        // Not waitUntilExit(): when Foundation misses the child's exit (seen on a loaded 2-core machine)
        // it spins on its run loop for good, and every test waiting on the thread pool stalls with it.
        let reaped = Date().addingTimeInterval(5)
        while process.isRunning && Date() < reaped {
            Thread.sleep(forTimeInterval: 0.01)
        }
        try? stdout.fileHandleForReading.close()
    }
}

/// Reads the first line a child prints, on a thread of its own so the wait can have a limit.
private final class FirstLineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var line: String?
    private let done = DispatchSemaphore(value: 0)

    static func read(from handle: FileHandle, timeout: TimeInterval) -> String? {
        let reader = FirstLineReader()
        Thread.detachNewThread {
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }  // end of file: the child exited
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    reader.set(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    break
                }
            }
            reader.done.signal()
        }
        guard reader.done.wait(timeout: .now() + timeout) == .success else { return nil }
        return reader.get()
    }

    private func set(_ value: String) {
        lock.lock()
        line = value
        lock.unlock()
    }

    private func get() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return line
    }
}

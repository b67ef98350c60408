import Glibc
import Systemd
import Testing

@Suite("sd_notify protocol")
struct SystemdNotifierTests {
    @Test func withoutNotifySocketEveryCallDoesNothing() {
        let notifier = SystemdNotifier(environment: [:], logger: quietLogger)
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
        #expect(!notifier.watchdog())
        #expect(!notifier.stopping())
    }

    @Test(arguments: ["", "relative/notify.sock", "@", "vsock:2:1234", "/" + String(repeating: "x", count: 107)])
    func unusableNotifySocketTurnsNotificationsOff(value: String) {
        #expect(NotifySocketAddress(parsing: value) == nil)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": value], logger: quietLogger).isEnabled)
    }

    @Test func parsesPathsAndAbstractNames() {
        #expect(NotifySocketAddress(parsing: "/run/systemd/notify") == .path("/run/systemd/notify"))
        #expect(NotifySocketAddress(parsing: "@/org/freedesktop/systemd1/notify/42") == .abstract("/org/freedesktop/systemd1/notify/42"))
        #expect(NotifySocketAddress(parsing: "/" + String(repeating: "x", count: 106)) != nil)
    }

    @Test func sendsOneDatagramToAPathSocket() async throws {
        let listener = try NotifyListener.path()
        let notifier = SystemdNotifier(environment: listener.environment(), logger: quietLogger)

        #expect(notifier.ready(status: "serving on fd 3"))
        #expect(await listener.next()?.text == "READY=1\nSTATUS=serving on fd 3")
        #expect(notifier.status("draining\n2 in flight"))
        #expect(await listener.next()?.text == "STATUS=draining 2 in flight")
        #expect(notifier.watchdog())
        #expect(await listener.next()?.text == "WATCHDOG=1")
        #expect(notifier.stopping())
        #expect(await listener.next()?.text == "STOPPING=1")
    }

    @Test func sendsToAnAbstractSocket() async throws {
        let listener = try NotifyListener.abstract()
        let notifier = SystemdNotifier(environment: listener.environment(), logger: quietLogger)
        #expect(notifier.address == NotifySocketAddress(parsing: listener.notifySocket))

        #expect(notifier.notify("READY=1"))
        #expect(await listener.next()?.text == "READY=1")
    }

    @Test func aMissingSocketIsReportedNotFatal() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify.sock"], logger: quietLogger)
        #expect(notifier.isEnabled)
        #expect(!notifier.ready())
    }
}

@Suite("Watchdog settings")
struct SystemdWatchdogTests {
    @Test func readsTheTimeoutAndPingsAtHalfOfIt() {
        let watchdog = SystemdWatchdog(environment: ["WATCHDOG_USEC": "200000"])
        #expect(watchdog?.timeout == .milliseconds(200))
        #expect(watchdog?.pingInterval == .milliseconds(100))
    }

    @Test func honoursWatchdogPid() {
        let own = getpid()
        #expect(SystemdWatchdog(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "\(own)"]) != nil)
        #expect(SystemdWatchdog(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "\(own + 1)"]) == nil)
        #expect(SystemdWatchdog(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "x"]) == nil)
    }

    @Test(arguments: [[:], ["WATCHDOG_USEC": "0"], ["WATCHDOG_USEC": "-5"], ["WATCHDOG_USEC": "10s"]])
    func offWhenUnsetOrMalformed(environment: [String: String]) {
        #expect(SystemdWatchdog(environment: environment) == nil)
    }
}

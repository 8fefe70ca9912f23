import Foundation

#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A program the tests run beside PayLab (python3 hosts and clients, tshark, openssl,
/// chromium, dumpcap), started with `posix_spawn` and never left running or waited on
/// without end.
///
/// Not Foundation's `Process`: on Linux it reaps every child on one shared thread, which
/// blocks in `waitpid` for whichever child's socket closed first, and its `waitUntilExit`
/// parks the calling thread. Tests run in parallel on a pool of as many threads as cores
/// (two in CI), so two tests parked that way while a third waits on them stalled the whole
/// run. Here every pipe is close-on-exec (no child inherits another's pipe and holds it
/// open), each child has its own reaping thread, every wait has a deadline after which the
/// child is killed, and the async waits suspend instead of blocking a pool thread.
public final class ChildProcess: @unchecked Sendable {
    /// How a child ended.
    public struct Exit: Sendable, CustomStringConvertible {
        /// The exit status, or 128 + the signal that killed it.
        public var status: Int32
        /// True when the child outlived its deadline and was killed.
        public var timedOut: Bool
        public var description: String { timedOut ? "killed after its deadline" : "exit \(status)" }
    }

    /// What the child printed and how it ended.
    public struct Result: Sendable {
        public var exit: Exit
        public var output: String
        public var errors: String
    }

    public let pid: pid_t
    public let arguments: [String]
    private let output: Collector
    private let errors: Collector
    private let state = ExitState()

    /// Starts `arguments` through `/usr/bin/env` (so `python3` is found on PATH) with
    /// standard input from /dev/null, and kills it once `deadline` has passed.
    public init(_ arguments: [String], deadline: Duration = .seconds(120)) throws {
        self.arguments = arguments
        let outPipe = try Self.pipe(), errPipe = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on the target, so only 0, 1 and 2 reach the program.
        posix_spawn_file_actions_adddup2(&actions, outPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe.write, 2)
        _ = Self.closeFrom?(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test process blocks some signals on its threads; a child starts with none
        // blocked and default handlers, so SIGTERM and SIGINT mean what they say.
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["env"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var spawnedPID = pid_t()
        let spawned = posix_spawn(&spawnedPID, "/usr/bin/env", &actions, &attributes, argv, environ)
        let pid = spawnedPID
        close(outPipe.write)
        close(errPipe.write)
        guard spawned == 0 else {
            close(outPipe.read)
            close(errPipe.read)
            throw ExternalTool.Failure(description: "could not start \(arguments.joined(separator: " ")): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
        output = Collector(fd: outPipe.read)
        errors = Collector(fd: errPipe.read)
        let state = self.state
        let reaper = Thread { state.reap(pid) }
        reaper.name = "reaper \(pid)"
        reaper.start()
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline.seconds) { state.kill(pid, byDeadline: true) }
    }

    deinit {
        terminate()
    }

    /// Kills the child if it still runs; its reaping thread collects it.
    public func terminate(signal: Int32 = 9) {
        state.kill(pid, signal: signal)
    }

    /// Waits until the child ends, without holding a thread of the concurrency pool.
    public func exit() async -> Exit {
        await state.exit()
    }

    /// Waits until the child ends and its output is read (at most 10 s more, should a child
    /// of its own still hold a pipe), then returns both.
    public func result() async -> Result {
        let exit = await exit()
        return Result(exit: exit, output: String(decoding: await output.all(), as: UTF8.self),
                      errors: String(decoding: await errors.all(), as: UTF8.self))
    }

    /// `result()` for a caller that cannot suspend: blocks this thread until the child ends
    /// (its deadline bounds that).
    public func resultBlocking() -> Result {
        let exit = state.exitBlocking()
        return Result(exit: exit, output: String(decoding: output.allBlocking(), as: UTF8.self),
                      errors: String(decoding: errors.allBlocking(), as: UTF8.self))
    }

    /// Waits (blocking this thread, at most `timeout`) until standard output holds a whole
    /// line, and returns it without the newline; nil when the child ended or time ran out.
    public func firstLine(timeout: Duration) -> String? {
        output.waitUntil(timeout: timeout) { $0.contains(UInt8(ascii: "\n")) }
            .flatMap { data in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first }
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Waits (suspending, at most `timeout`) until standard error contains `text`; false when
    /// the child ended or time ran out first.
    public func errorsContain(_ text: String, timeout: Duration) async -> Bool {
        let errors = self.errors
        return await withCheckedContinuation { continuation in
            Thread {
                let found = errors.waitUntil(timeout: timeout) { String(decoding: $0, as: UTF8.self).contains(text) } != nil
                continuation.resume(returning: found)
            }.start()
        }
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        // Close-on-exec set at once (the child also closes every descriptor past 2).
        guard Glibc.pipe(&fds) == 0 else {
            throw ExternalTool.Failure(description: "pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not declare: closes in the child any descriptor another library
    /// opened without close-on-exec.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}

/// Whether the child has ended, who waits for it, and the one place that may signal it (a
/// pid is never signalled once reaped, when the system may have given it to another).
private final class ExitState: @unchecked Sendable {
    private let lock = NSLock()
    private var ended: ChildProcess.Exit?
    private var killedByDeadline = false
    private var waiters: [CheckedContinuation<ChildProcess.Exit, Never>] = []
    private var blockedWaiters: [@Sendable (ChildProcess.Exit) -> Void] = []

    func kill(_ pid: pid_t, signal: Int32 = SIGKILL, byDeadline: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        guard ended == nil else { return }
        if byDeadline { killedByDeadline = true }
        _ = Glibc.kill(pid, signal)
    }

    func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WTERMSIG and WEXITSTATUS, which Swift does not import as macros.
        let signal = status & 0x7f
        lock.lock()
        let exit = ChildProcess.Exit(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, timedOut: killedByDeadline)
        ended = exit
        let resumed = waiters, woken = blockedWaiters
        waiters = []
        blockedWaiters = []
        lock.unlock()
        resumed.forEach { $0.resume(returning: exit) }
        woken.forEach { $0(exit) }
    }

    func exitBlocking() -> ChildProcess.Exit {
        let done = DispatchSemaphore(value: 0)
        let box = ExitBox()
        lock.lock()
        if let ended {
            lock.unlock()
            return ended
        }
        blockedWaiters.append { box.exit = $0; done.signal() }
        lock.unlock()
        done.wait()
        return box.exit!
    }

    func exit() async -> ChildProcess.Exit {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let ended {
                lock.unlock()
                continuation.resume(returning: ended)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}

private final class ExitBox: @unchecked Sendable {
    var exit: ChildProcess.Exit?
}

/// Reads one pipe to its end on its own thread, so a chatty child never fills a pipe and
/// stalls, and nobody blocks a pool thread on `read`.
private final class Collector: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var finished = false

    init(fd: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                condition.lock()
                if count > 0 { data.append(contentsOf: buffer[0..<count]) } else { finished = true }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { break }
            }
            close(fd)
        }
        thread.start()
    }

    /// Blocks until `ready(data)` holds (returns the data) or the pipe ends or time runs out
    /// (returns nil, unless `ready` holds by then).
    func waitUntil(timeout: Duration, _ ready: (Data) -> Bool) -> Data? {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !ready(data) && !finished {
            if !condition.wait(until: deadline) { break }
        }
        return ready(data) ? data : nil
    }

    /// Everything the pipe carried once it has ended, or after 10 s when a child of the
    /// child still holds it open.
    func all() async -> Data {
        await withCheckedContinuation { continuation in
            Thread { [self] in continuation.resume(returning: allBlocking()) }.start()
        }
    }

    func allBlocking() -> Data {
        _ = waitUntil(timeout: .seconds(10)) { _ in false }
        condition.lock()
        defer { condition.unlock() }
        return data
    }
}

extension Duration {
    /// This duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

import Foundation
import Testing
@testable import RunCore

/// The helper PayLab runs editcap with (`posix_spawn`, not Foundation's `Process`).
@Suite("Running a helper program")
struct SubprocessTests {
    @Test("its exit status comes back; a program that outlives its limit is killed; one that does not exist is env's 127")
    func statusAndLimit() {
        #expect(Subprocess.run(["sh", "-c", "exit 3"], within: .seconds(30)) == 3)
        #expect(Subprocess.run(["true"], within: .seconds(30)) == 0)
        let started = ContinuousClock.now
        #expect(Subprocess.run(["sleep", "20"], within: .milliseconds(300)) == nil)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(Subprocess.run(["no-such-program-\(UUID().uuidString)"], within: .seconds(30)) == 127)
    }

    @Test("the child gets none of PayLab's descriptors but its three standard ones, each /dev/null")
    func descriptors() throws {
        let folder = NSTemporaryDirectory() + "paylab-subprocess-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A descriptor of this process left inheritable on purpose: the child must not see it.
        let file = Glibc.open(folder + "/held", O_CREAT | O_WRONLY, 0o600)
        let held = fcntl(file, F_DUPFD, 40)   // no close-on-exec
        defer { close(file); close(held) }
        #expect(held >= 40)
        let listing = folder + "/fds"
        #expect(Subprocess.run(["sh", "-c", "ls /proc/self/fd > \(listing); readlink /proc/self/fd/2 >> \(listing)"], within: .seconds(30)) == 0)
        let lines = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").map(String.init)
        // 0, 1, 2 and the directory ls reads: nothing of this process's.
        #expect(!lines.contains(String(held)))
        #expect(lines.dropLast().allSatisfy { (Int($0) ?? 99) <= 3 }, "\(lines)")
        #expect(lines.last == "/dev/null")
    }
}

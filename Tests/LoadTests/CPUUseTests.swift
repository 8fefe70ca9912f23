import Foundation
import Testing
import Load
import TestSupport

/// Whether a load run had the CPU it needed: read from the kernel, judged by a rule.
@Suite("A load run's CPU", .serialized)
struct CPUUseTests {
    @Test("the rule: other processes taking a saturated machine starve any run; an open loop saturating it itself is told so; a closed loop is expected to", arguments: [
        (0.98, 0.40, false, "starved of CPU"), (0.98, 0.40, true, "starved of CPU"),
        (0.97, 0.95, true, "saturated"), (0.97, 0.95, false, nil), (0.60, 0.10, true, nil),
    ] as [(Double, Double, Bool, String?)])
    func rule(busy: Double, paylab: Double, openLoop: Bool, says: String?) {
        let warning = CPUUse(cores: 2, machineBusy: busy, paylab: paylab).warning(openLoop: openLoop)
        if let says { #expect(warning?.contains(says) == true, "\(warning ?? "no warning")") } else { #expect(warning == nil) }
    }
}

/// In the load suite, which runs alone: the spinners would starve a load test beside them.
extension LoadTests {
    @Test("read from the kernel: busy processes beside this one show in the machine's busy time")
    func starvedByOthers() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/stat") else { return }
        var before = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &before)
        let start = try #require(CPUUse.read())
        let started = ContinuousClock.now
        // Two shells that each burn a fixed amount of CPU (not of time: a busy machine only
        // makes them take longer), bounded by a timeout.
        // (ChildProcess, not Foundation's Process, whose run() crashes now and then on Linux.)
        let spinners = try (0..<2).map { _ in
            try ChildProcess(["timeout", "20", "/bin/sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done"], deadline: .seconds(30))
        }
        // Waited for without holding a thread of the pool every suite's tasks share.
        for spinner in spinners { _ = await spinner.exit() }
        let use = try #require(CPUUse.between(start, CPUUse.read()))
        let elapsed = ContinuousClock.now - started
        var after = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &after)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        let children = seconds(after.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_utime) - seconds(before.ru_stime)
        let coreSeconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * Double(use.cores)
        #expect(children > 0.3, "the spinners burned \(children) s")
        // What the spinners burned shows in the machine's busy time (jiffies: 10 ms each, per
        // core, sampled at the tick, which a VM's busy host blurs: a fifth of it is left as slack).
        // This process's own time is not compared: other suites of this test run burn it meanwhile,
        // and under a hypervisor the precise getrusage and the sampled /proc/stat part ways.
        // A VM's busy host also steals time the guest still counts to the running task: the
        // spinners' getrusage can exceed what the cores had in the wall time (3.05 s in 2.04
        // core-seconds, seen in a full test run), so they are taken as at most that.
        let burned = min(children, coreSeconds)
        #expect(use.machineBusy * coreSeconds + 0.1 + 0.02 * Double(use.cores) >= 0.8 * burned, "\(use), children \(children) s over \(coreSeconds) core-seconds")
    }
}

import Foundation
import Testing
import Load

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
    @Test("read from the kernel: busy processes beside this one show as the machine's time, not this process's, and an open loop then is warned")
    func starvedByOthers() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/stat") else { return }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // As many spinning shells as cores, bounded: each stops by itself after 2 s.
        let spinners = (0..<cores).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done"]
            return process
        }
        for spinner in spinners { try spinner.run() }
        defer { for spinner in spinners where spinner.isRunning { spinner.terminate() } }
        try await Task.sleep(for: .milliseconds(200))
        let start = CPUUse.read()
        try await Task.sleep(for: .milliseconds(1200))
        let use = try #require(CPUUse.between(start, CPUUse.read()))
        // The spinners are other processes: their time is the machine's, not this process's
        // (which runs other tests meanwhile, so its own share is whatever they took).
        #expect(use.machineBusy > 0.85, "\(use)")
        #expect(use.paylab < use.machineBusy - 0.05, "\(use)")
        #expect(use.warning(openLoop: true) != nil, "\(use)")
    }
}

import Foundation

/// How busy the machine and PayLab were while a load run sent: read from the kernel's
/// counters (`/proc/stat` for every core, `getrusage` for this process) at the start and the
/// end of the sending. A latency measured on a machine with no CPU to spare measures the
/// machine: the report says so.
public struct CPUUse: Sendable, Equatable {
    /// The machine's cores.
    public var cores: Int
    /// The share of all the cores' time that was busy (0...1), by anything.
    public var machineBusy: Double
    /// The share of all the cores' time this process used (0...1): the generator and PayLab's networks.
    public var paylab: Double

    public init(cores: Int, machineBusy: Double, paylab: Double) {
        self.cores = cores
        self.machineBusy = machineBusy
        self.paylab = paylab
    }

    /// Busy at or above this, the machine had no CPU to spare.
    static let saturated = 0.9
    /// Other processes taking at least this share of a saturated machine starved the run.
    static let othersStarve = 0.2

    /// The warning a reader needs, if any: the run was starved of CPU by other processes (any
    /// pace), or an open loop saturated the machine itself (a closed loop runs as fast as it
    /// can, so it is expected to).
    public func warning(openLoop: Bool) -> String? {
        guard machineBusy >= Self.saturated else { return nil }
        let busy = Int((machineBusy * 100).rounded()), ours = Int((paylab * 100).rounded())
        if machineBusy - paylab >= Self.othersStarve {
            return "the run was starved of CPU: the machine's \(cores) cores were \(busy)% busy, \(busy - ours) points of it other processes' (PayLab \(ours)%); its latencies include waiting for a CPU: run it on a quieter machine"
        }
        guard openLoop else { return nil }
        return "the machine was saturated: PayLab used \(ours)% of its \(cores) cores, so latencies include waiting for a CPU; ask a lower rate, fewer --networks, or run the generator on another machine"
    }

    /// The counters at one moment.
    public struct Reading: Sendable {
        /// Jiffies of every core: busy (all but idle and iowait) and in all.
        var machineBusy: UInt64
        var machineTotal: UInt64
        /// This process's user and system time, in seconds.
        var process: Double
    }

    /// Reads the counters now; nil where the kernel does not say (no `/proc/stat`).
    public static func read() -> Reading? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let (busy, total) = machineJiffies(stat) else { return nil }
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return Reading(machineBusy: busy, machineTotal: total, process: seconds(usage.ru_utime) + seconds(usage.ru_stime))
    }

    /// The first line of `/proc/stat` (`cpu user nice system idle iowait irq softirq steal ...`)
    /// as busy and total jiffies; nil when it is not that.
    static func machineJiffies(_ stat: String) -> (busy: UInt64, total: UInt64)? {
        guard let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard values.count >= 5 else { return nil }
        let total = values.reduce(0, +)
        return (total - values[3] - values[4], total)
    }

    /// Between two readings: nil when either is missing or no time passed.
    public static func between(_ start: Reading?, _ end: Reading?, cores: Int? = nil) -> CPUUse? {
        guard let start, let end, end.machineTotal > start.machineTotal else { return nil }
        let total = Double(end.machineTotal - start.machineTotal)
        let busy = Double(end.machineBusy &- start.machineBusy) / total
        // Jiffies are hundredths of a second of one core: the total is cores x wall time.
        let hz = 100.0
        let paylab = min(1, (end.process - start.process) * hz / total)
        return CPUUse(cores: cores ?? ProcessInfo.processInfo.activeProcessorCount, machineBusy: min(1, busy), paylab: paylab)
    }
}

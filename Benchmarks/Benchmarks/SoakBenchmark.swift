import Foundation
public import Load
import Synchronization

/// `paylab bench soak`: a closed-loop load run of several minutes on PayLab's own network,
/// its resident memory read every minute (now, and the peak so far) and reconciled at the
/// end: whether memory follows what is outstanding or grows with the run's length.
public enum SoakBenchmark {
    /// The process's memory at one moment, in bytes.
    public struct Memory: Sendable {
        public var resident: Int
        public var peak: Int

        /// From `/proc/self/status` (VmRSS and VmHWM); nil where the kernel does not say.
        public static func now() -> Memory? {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
            func kilobytes(_ key: String) -> Int? {
                status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                    .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            }
            guard let resident = kilobytes("VmRSS"), let peak = kilobytes("VmHWM") else { return nil }
            return Memory(resident: resident * 1024, peak: peak * 1024)
        }
    }

    /// One minute's reading.
    public struct Minute: Sendable {
        public var minute: Int
        public var memory: Memory
        /// Purchases answered so far.
        public var answered: Int
    }

    public struct Result: Sendable {
        public var minutes: [Minute]
        /// After the network settled and was reconciled.
        public var final: Memory?
        public var report: LoadReport
    }

    /// Runs `minutes` minutes at `concurrency` outstanding; `each` is told every minute's reading as it is taken.
    public static func run(minutes: Int, concurrency: Int, threads: Int, each: @escaping @Sendable (Minute) -> Void) async throws -> Result {
        let duration = Duration.seconds(60 * max(1, minutes))
        let options = LoadRun.Options(pace: .concurrency(concurrency), duration: duration, warmup: .seconds(2), threads: threads)
        let readings = Mutex<[Minute]>([])
        let outcome = try await LoadRun.run(LoadRun.defaultScenario(options: options), options: options, progress: { seen, elapsed in
            // The last progress of a minute comes a little before it ends.
            let minute = Int((elapsed.components.seconds + 1) / 60)
            guard minute >= 1, let memory = Memory.now() else { return }
            let reading = readings.withLock { taken -> Minute? in
                guard taken.last.map({ $0.minute < minute }) ?? true else { return nil }
                let reading = Minute(minute: minute, memory: memory, answered: seen.byCode.values.reduce(0, +))
                taken.append(reading)
                return reading
            }
            if let reading { each(reading) }
        })
        return Result(minutes: readings.withLock { $0 }, final: Memory.now(), report: LoadReport(outcome: outcome, duration: duration))
    }
}

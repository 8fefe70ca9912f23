import Foundation
public import PaymentNetwork
public import Scenario
import SettlementCalendar
import Synchronization
public import RunCore

/// `paylab explore`: runs random, seeded worlds on the real network, checks each with the
/// invariants and the oracle, shrinks what fails and writes the smallest world as a
/// scenario file that `paylab run` reproduces.
public enum Exploration {
    /// What to explore.
    public struct Options: Sendable {
        /// The seed every world's seed is drawn from.
        public var seed: UInt64
        /// How many worlds (nil: until `duration` is over).
        public var runs: Int?
        /// How long to explore, in wall time (when `runs` is nil).
        public var duration: Duration?
        /// Where shrunk worlds are written.
        public var folder = "Explorations"
        /// A defect to plant (self-test only).
        public var planted: PlantedDefect?
        /// Stop at the first violation (self-test).
        public var stopAtFirst = false
        /// Runs the shrinker may spend on one failing world.
        public var shrinkBudget = 150
        /// Worlds run at once, each on its own event loop (default: one per core).
        public var workers: Int?
        /// A scenario whose network (names, merchants, cards, calendar, cutoff, stand-in) every
        /// world keeps; only steps and faults are drawn.
        public var base: Scenario?
        /// This part of an exploration split `count` ways (`--part index/count`): the worlds whose
        /// run number is `index` modulo `count`, so the parts are disjoint whatever the machine.
        public var part: (index: Int, count: Int) = (1, 1)

        /// Options for `runs` worlds (or, with `runs` nil, for `duration`) from `seed`; the rest is set field by field.
        public init(seed: UInt64, runs: Int?, duration: Duration? = nil) {
            self.seed = seed
            self.runs = runs
            self.duration = duration
        }
    }

    /// One world that broke a rule.
    public struct Finding: Sendable {
        /// The world's own seed: `paylab explore` draws the same world from it.
        public var runSeed: UInt64
        /// Which run it was (1 is the first).
        public var run: Int
        /// The rule.
        public var invariant: String
        /// What happened.
        public var detail: String
        /// The shrunk scenario file, if written.
        public var reproducer: String?
        /// Whether `paylab run` of the reproducer fails.
        public var reproduces: Bool
    }

    /// What an exploration found.
    public struct Report: Sendable {
        /// The options' seed.
        public var seed: UInt64
        /// Worlds run.
        public var runs: Int
        /// Worlds per second of wall time.
        public var runsPerSecond: Double
        /// One per failing world, in run order.
        public var findings: [Finding]
        /// Which part of a split exploration this is (`1/1`: all of it); merged parts: the parts' count.
        public var part: (index: Int, count: Int) = (1, 1)
        /// Worlds per second of each part, when merged.
        public var partRates: [Double] = []

        /// `{"seed": S, "runs": N, "runs_per_second": R, "violations": [...]}`.
        public var json: JSONValue {
            .object([
                ("seed", .number(Int64(bitPattern: seed))),
                ("runs", .number(Int64(runs))),
                ("runs_per_second", .number(Int64(runsPerSecond.rounded()))),
                ("part", .string("\(part.index)/\(part.count)")),
                ("violations", .array(findings.map { finding in
                    .object([
                        ("run", .number(Int64(finding.run))),
                        ("run_seed", .number(Int64(bitPattern: finding.runSeed))),
                        ("invariant", .string(finding.invariant)),
                        ("detail", .string(finding.detail)),
                        ("reproducer", finding.reproducer.map { .string($0) } ?? .null),
                        ("reproduces", .bool(finding.reproduces)),
                    ])
                })),
            ])
        }
    }

    /// How many broken rules an exploration shrinks a reproducer for (the first, in run order).
    static let reproducersKept = 5

    /// The seed of run `index` (0-based) of an exploration seeded `seed`.
    public static func runSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15, stream: "run")
        return generator.next()
    }

    /// The world of a run seed (what `explore` runs, before shrinking).
    public static func world(runSeed: UInt64, base: Scenario? = nil) -> Scenario {
        WorldGenerator.world(seed: runSeed, base: base)
    }

    /// Why a scenario cannot be the base of an exploration, if it cannot.
    public static func unusableBase(_ scenario: Scenario) -> String? {
        if BusinessCalendar.builtIn(scenario.calendar.name) == nil { return "explore --base needs a built-in calendar (cn, us-fed, weekdays), not '\(scenario.calendar.name)'" }
        if scenario.network.merchants.isEmpty || scenario.network.cards.isEmpty { return "explore --base needs a network with at least one merchant and one card" }
        return nil
    }

    /// Explores; `progress` hears (runs, runs per second, violations) after each run.
    public static func explore(_ options: Options, progress: @escaping @Sendable (Int, Double, Int) -> Void = { _, _, _ in }) async throws -> Report {
        let workers = max(1, options.workers ?? min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let started = ContinuousClock.now
        let deadline = options.duration.map { started.advanced(by: $0) }
        let state = Progress()
        let runners = (0..<workers).map { _ in ScenarioRunner() }
        let results = await withTaskGroup(of: [(Int, UInt64, Scenario, [Oracle.Violation])].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var found: [(Int, UInt64, Scenario, [Oracle.Violation])] = []
                    // This part's worlds: every `count`th run from its own, shared among the workers.
                    var local = worker
                    while true {
                        let index = options.part.index - 1 + local * options.part.count
                        if let runs = options.runs, index >= runs { break }
                        if let deadline, ContinuousClock.now >= deadline { break }
                        if options.stopAtFirst, state.violations > 0, state.firstViolation.map({ $0 < index }) ?? false { break }
                        let seed = runSeed(options.seed, index)
                        let world = WorldGenerator.world(seed: seed, base: options.base)
                        let violations = await check(world, runner: runners[worker], planted: options.planted)
                        if !violations.isEmpty {
                            found.append((index, seed, world, violations))
                            state.violated(at: index)
                        }
                        let (runs, failing) = state.ran()
                        progress(runs, Double(runs) / seconds(since: started), failing)
                        local += workers
                    }
                    return found
                }
            }
            var all: [(Int, UInt64, Scenario, [Oracle.Violation])] = []
            for await found in group { all += found }
            return all.sorted { $0.0 < $1.0 }
        }
        let runs = state.ran(adding: 0).0
        let rate = Double(runs) / seconds(since: started)
        var failing = results
        if options.stopAtFirst, let first = failing.first { failing = [first] }
        var findings: [Finding] = []
        var shrunk: [String: (path: String, reproduces: Bool)] = [:]
        for (index, seed, world, violations) in failing {
            let first = violations[0]
            if shrunk[first.invariant] == nil, shrunk.count < reproducersKept {
                let smallest = await shrink(world, invariant: first.invariant, runner: runners[0], planted: options.planted, budget: options.shrinkBudget)
                shrunk[first.invariant] = try await write(smallest, invariant: first.invariant, options: options, runner: runners[0])
            }
            findings.append(Finding(runSeed: seed, run: index + 1, invariant: first.invariant, detail: first.detail,
                                    reproducer: shrunk[first.invariant]?.path, reproduces: shrunk[first.invariant]?.reproduces ?? false))
        }
        for runner in runners { try await runner.shutdown() }
        var report = Report(seed: options.seed, runs: runs, runsPerSecond: rate, findings: findings)
        report.part = options.part
        return report
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Runs a world and returns every rule it breaks.
    static func check(_ world: Scenario, runner: ScenarioRunner, planted: PlantedDefect?) async -> [Oracle.Violation] {
        Oracle.check(world, await runner.run(world, planted: planted))
    }

    /// Whether a world is one the scenario language can say: written and read back, the same.
    /// A cut can leave a fault on a link no longer there; such a world is not a reproduction.
    static func sayable(_ world: Scenario) -> Bool {
        guard let again = try? ScenarioLoader.parse(ScenarioWriter().yaml(world), file: world.file) else { return false }
        return again.withoutLines == world.withoutLines
    }

    /// The smallest world found that still breaks `invariant`.
    static func shrink(_ world: Scenario, invariant: String, runner: ScenarioRunner, planted: PlantedDefect?, budget: Int) async -> Scenario {
        var best = world
        var spent = 0
        var improved = true
        while improved, spent < budget {
            improved = false
            for candidate in Shrinker.candidates(of: best) {
                guard spent < budget else { break }
                spent += 1
                guard sayable(candidate) else { continue }
                let violations = await check(candidate, runner: runner, planted: planted)
                if violations.contains(where: { $0.invariant == invariant }) {
                    best = candidate
                    improved = true
                    break
                }
            }
        }
        return best
    }

    /// Writes the shrunk world with the expectations that make `paylab run` fail, and checks that it does.
    static func write(_ world: Scenario, invariant: String, options: Options, runner: ScenarioRunner) async throws -> (path: String, reproduces: Bool) {
        let violations = await check(world, runner: runner, planted: options.planted)
        let detail = violations.first { $0.invariant == invariant }?.detail ?? invariant
        let plant = options.planted.map { " --plant \($0.rawValue)" } ?? ""
        let path = "\(options.folder)/world-\(world.seed)\(options.planted.map { "-" + $0.rawValue } ?? "").yaml"
        var found = world
        found.description = """
            Found by paylab explore --seed \(options.seed) (world \(world.seed)), shrunk.
            Broken: \(invariant).
            \(detail)
            Rerun: paylab run\(plant) \(path)
            """
        found.expectations = violations.filter { $0.invariant == invariant }.compactMap(\.expectation)
        var writer = ScenarioWriter()
        writer.header = ["yaml-language-server: $schema=../docs/scenario.schema.json"]
        try FileManager.default.createDirectory(atPath: options.folder, withIntermediateDirectories: true)
        try Data(writer.yaml(found).utf8).write(to: URL(fileURLWithPath: path))
        var passed = true
        if let scenario = try? ScenarioLoader.load(path: path) { passed = await runner.run(scenario, planted: options.planted).passed }
        return (path, !passed)
    }

    /// Counts shared by the workers.
    private final class Progress: Sendable {
        private struct Counts { var runs = 0, failing = 0, first: Int? }
        private let counts = Mutex(Counts())

        var violations: Int { counts.withLock { $0.failing } }
        var firstViolation: Int? { counts.withLock { $0.first } }

        func violated(at index: Int) {
            counts.withLock { counts in
                counts.failing += 1
                counts.first = min(counts.first ?? index, index)
            }
        }

        func ran(adding count: Int = 1) -> (Int, Int) {
            counts.withLock { counts in
                counts.runs += count
                return (counts.runs, counts.failing)
            }
        }
    }
}

extension Exploration.Report {
    /// A problem with a report or a merge, in a sentence.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// A report `explore --json` wrote.
    public static func read(path: String) throws(Problem) -> Exploration.Report {
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "\(path): cannot be read") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let seed = (object["seed"] as? NSNumber)?.int64Value,
              let runs = (object["runs"] as? NSNumber)?.intValue, let violations = object["violations"] as? [[String: Any]] else {
            throw Problem(description: "\(path): not the --json report of paylab explore (seed, runs, violations)")
        }
        let partText = object["part"] as? String ?? "1/1"
        let numbers = partText.split(separator: "/").compactMap { Int($0) }
        guard numbers.count == 2, numbers[1] >= 1, (1...numbers[1]).contains(numbers[0]) else { throw Problem(description: "\(path): part '\(partText)' is not I/N") }
        var findings: [Exploration.Finding] = []
        for violation in violations {
            guard let run = (violation["run"] as? NSNumber)?.intValue, let runSeed = (violation["run_seed"] as? NSNumber)?.int64Value,
                  let invariant = violation["invariant"] as? String, let detail = violation["detail"] as? String else {
                throw Problem(description: "\(path): a violation without run, run_seed, invariant and detail (written by an older paylab?)")
            }
            findings.append(Exploration.Finding(runSeed: UInt64(bitPattern: runSeed), run: run, invariant: invariant, detail: detail,
                                                reproducer: violation["reproducer"] as? String, reproduces: violation["reproduces"] as? Bool ?? false))
        }
        var report = Exploration.Report(seed: UInt64(bitPattern: seed), runs: runs, runsPerSecond: (object["runs_per_second"] as? NSNumber)?.doubleValue ?? 0, findings: findings)
        report.part = (numbers[0], numbers[1])
        return report
    }

    /// The parts of one exploration as one report: the runs added (and the rates, the parts having
    /// run side by side), the findings in run order, and each rule's reproducer the one shrunk from
    /// its first failing world, as one whole exploration would have shrunk it (the first five rules).
    public static func merge(_ parts: [Exploration.Report]) throws(Problem) -> (report: Exploration.Report, missing: [Int]) {
        guard let first = parts.first else { throw Problem(description: "no reports to merge") }
        let seeds = Set(parts.map(\.seed)), counts = Set(parts.map(\.part.count))
        guard seeds.count == 1 else { throw Problem(description: "the reports are of different explorations (seeds \(seeds.sorted().map(String.init).joined(separator: ", ")))") }
        guard counts.count == 1 else { throw Problem(description: "the reports split their exploration differently (\(parts.map { "\($0.part.index)/\($0.part.count)" }.joined(separator: ", ")))") }
        let indexes = parts.map(\.part.index)
        guard Set(indexes).count == indexes.count else { throw Problem(description: "a part is given twice (\(indexes.sorted().map(String.init).joined(separator: ", ")) of \(first.part.count))") }
        var findings = parts.flatMap(\.findings).sorted { $0.run < $1.run }
        var reproducers: [String: (path: String?, reproduces: Bool)] = [:]
        for finding in findings where reproducers[finding.invariant] == nil && reproducers.count < Exploration.reproducersKept {
            reproducers[finding.invariant] = (finding.reproducer, finding.reproduces)
        }
        for index in findings.indices {
            let chosen = reproducers[findings[index].invariant]
            findings[index].reproducer = chosen?.path
            findings[index].reproduces = chosen?.reproduces ?? false
        }
        var report = Exploration.Report(seed: first.seed, runs: parts.reduce(0) { $0 + $1.runs }, runsPerSecond: parts.reduce(0) { $0 + $1.runsPerSecond }, findings: findings)
        let missing = (1...first.part.count).filter { !indexes.contains($0) }
        report.part = missing.isEmpty ? (1, 1) : (indexes.min()!, first.part.count)
        report.partRates = parts.sorted { $0.part.index < $1.part.index }.map(\.runsPerSecond)
        return (report, missing)
    }
}

import Foundation
import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario
@testable import Exploration

@Suite("paylab explore", .serialized)
struct ExplorationTests {
    func folder() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("paylab-explore-\(UUID().uuidString)").path }

    @Test("the same seed draws the same worlds and reaches the same verdicts")
    func deterministic() async throws {
        #expect(Exploration.world(runSeed: Exploration.runSeed(7, 3)) == Exploration.world(runSeed: Exploration.runSeed(7, 3)))
        #expect(Exploration.world(runSeed: Exploration.runSeed(7, 3)) != Exploration.world(runSeed: Exploration.runSeed(7, 4)))
        let out = folder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = Exploration.Options(seed: 11, runs: 30)
        options.folder = out
        options.workers = 1   // beside the other suites, one core is enough
        let first = try await Exploration.explore(options)
        let second = try await Exploration.explore(options)
        #expect(first.runs == 30 && second.runs == 30)
        #expect(first.findings.map(\.runSeed) == second.findings.map(\.runSeed))
        #expect(first.findings.isEmpty, "\(first.findings.map(\.detail))")
    }

    @Test("an exploration split in 3 parts and merged finds what the whole finds: the same runs, worlds, rules and reproducers (shrunk from the first failing world, whichever part found it); parts of another seed are refused")
    func partsMerge() async throws {
        func explore(part: (Int, Int), folder: String) async throws -> Exploration.Report {
            var options = Exploration.Options(seed: 5, runs: 9)
            options.folder = folder
            options.workers = 1
            options.planted = .feeRoundedDown
            options.shrinkBudget = 20
            options.part = part
            return try await Exploration.explore(options)
        }
        let wholeFolder = folder(), partsFolder = folder()
        defer { for path in [wholeFolder, partsFolder] { try? FileManager.default.removeItem(atPath: path) } }
        let whole = try await explore(part: (1, 1), folder: wholeFolder)
        var parts: [Exploration.Report] = []
        for index in 1...3 { parts.append(try await explore(part: (index, 3), folder: partsFolder)) }
        #expect(parts.map(\.runs) == [3, 3, 3])
        // Disjoint: no world found twice, each in the part its run number says.
        for (index, part) in parts.enumerated() { #expect(part.findings.allSatisfy { ($0.run - 1) % 3 == index }) }
        let (merged, missing) = try Exploration.Report.merge(parts.reversed())
        #expect(missing.isEmpty && merged.runs == whole.runs)
        #expect(!whole.findings.isEmpty)
        #expect(merged.findings.map { "\($0.run) \($0.runSeed) \($0.invariant) \($0.detail)" } == whole.findings.map { "\($0.run) \($0.runSeed) \($0.invariant) \($0.detail)" })
        // The same file, but for the folder it names in its rerun line.
        func read(_ path: String?, _ folder: String) -> String? { (try? String(contentsOfFile: path ?? "", encoding: .utf8))?.replacingOccurrences(of: folder, with: "OUT") }
        let reproducers = zip(merged.findings, whole.findings).map { (read($0.reproducer, partsFolder), read($1.reproducer, wholeFolder)) }
        #expect(reproducers.allSatisfy { $0.0 != nil && $0.0 == $0.1 }, "\(reproducers.first.map { "\($0.0 ?? "-")\n---\n\($0.1 ?? "-")" } ?? "")")
        // The JSON a part writes reads back as the part.
        let file = partsFolder + "/part2.json"
        try Data(parts[1].json.rendered(pretty: true).utf8).write(to: URL(fileURLWithPath: file))
        let read = try Exploration.Report.read(path: file)
        #expect(read.part == (2, 3) && read.runs == 3 && read.findings.map(\.runSeed) == parts[1].findings.map(\.runSeed))
        var other = parts[0]
        other.seed = 6
        #expect(throws: Exploration.Report.Problem.self) { try Exploration.Report.merge([other, parts[1]]) }
    }

    @Test("every generated world is a valid scenario: written as a file and read back, the same world", arguments: [UInt64(1), 2, 3])
    func worldsAreValid(seed: UInt64) throws {
        for index in 0..<50 {
            let world = Exploration.world(runSeed: Exploration.runSeed(seed, index))
            let again = try ScenarioLoader.parse(ScenarioWriter().yaml(world), file: world.file)
            #expect(again.withoutLines == world.withoutLines, "\(ScenarioWriter().yaml(world))")
        }
    }

    @Test("with a base scenario every world keeps its network and draws only steps and faults")
    func base() throws {
        let base = try ScenarioLoader.load(path: "Scenarios/happy-path.yaml")
        #expect(Exploration.unusableBase(base) == nil)
        for seed in UInt64(1)...20 {
            let world = try ScenarioLoader.parse(ScenarioWriter().yaml(WorldGenerator.world(seed: seed, base: base)), file: "w.yaml")
            #expect(world.network.nodeNames == base.network.nodeNames)
            #expect(world.network.merchants.map(\.id) == base.network.merchants.map(\.id))
            #expect(world.network.cards.map(\.pan) == base.network.cards.map(\.pan))
            #expect(world.calendar.name == base.calendar.name && world.network.scheme.cutoff == base.network.scheme.cutoff)
        }
    }

    @Test("a planted defect is found, shrunk, and written as a scenario that fails with the defect and passes without it")
    func selfTest() async throws {
        let out = folder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = Exploration.Options(seed: 1, runs: 200)
        options.folder = out
        options.planted = .feeRoundedDown
        options.stopAtFirst = true
        options.shrinkBudget = 40
        options.workers = 1
        let report = try await Exploration.explore(options)
        let finding = try #require(report.findings.first)
        #expect(finding.invariant == "an arrival credits the amount less the fee")
        #expect(finding.reproduces)
        let scenario = try ScenarioLoader.load(path: try #require(finding.reproducer))
        #expect(scenario.description.contains("fee-rounded-down") || scenario.description.contains("Broken: an arrival credits the amount less the fee"))
        let runner = ScenarioRunner()
        let planted = await runner.run(scenario, planted: PlantedDefect.feeRoundedDown)
        let clean = await runner.run(scenario)
        try await runner.shutdown()
        #expect(!planted.passed)
        #expect(clean.passed, "\(clean.failures)")
    }

    @Test("the oracle's fee rounds up and stops at the cap; its payout day skips holidays and honours makeup days")
    func oracle() {
        var merchant = NetworkSpec.defaults().merchants[0]
        merchant.feePartsPerMillion = 6000
        merchant.feeCap = Money(minorUnits: 2000)
        #expect(Oracle.fee(Money(minorUnits: 1), merchant) == Money(minorUnits: 1))
        #expect(Oracle.fee(Money(minorUnits: 10_000), merchant) == Money(minorUnits: 60))
        #expect(Oracle.fee(Money(minorUnits: 10_000_000), merchant) == Money(minorUnits: 2000))
        let eve = LocalDateTime("2026-09-30 10:00")!
        let arrival = Oracle.arrival(swipedAt: eve, clearing: eve.date, terms: "T+1", payoutAt: .init(hour: 9, minute: 0)!, cutoff: .init(hour: 23, minute: 0)!, calendar: .china)
        #expect(arrival == .some(LocalDateTime("2026-10-08 09:00")!))
    }
}

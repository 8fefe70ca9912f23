import Foundation
import ISO8583
import PaymentSecurity
import Scenario
import ServedSupport
import Testing
import TestSupport
@testable import Certification
@testable import RunCore

/// `paylab certify pos` with a POS test robot PayLab did not write (Tests/Interop/pos_robot.py:
/// pyiso8583, psec, pyemv) following `--print-cases --json`: a good POS passes every case in both
/// dialects, and each planted defect fails exactly the cases it touches.
@Suite("Certifying a POS application", .serialized)
struct CertifyPOSTests {
    static let tmk = "70F2A84CCBC2AE8625CBB0F2C22AB923"

    /// Serves the POS centre, runs the robot against it, and returns the report and the robot's lines.
    static func certify(dialect: String = "default", defect: String? = nil) async throws -> (report: CertificationRun.Report, robot: String) {
        let pki = try Served.pki()
        var certification = POSCertification(suite: .builtIn, listen: try #require(Endpoint("127.0.0.1:0")))
        certification.pos.dialect = try #require(Dialect.builtIn[dialect])
        certification.pos.tmk = DESKey(hex: tmk)
        certification.caseTimeout = .seconds(15)
        certification.firstWait = .seconds(30)
        // The cup POS's TPDU and header are checked on every message (the robot sends these).
        if dialect == "cup" { certification.expectedHeader = Hex.decode("6000030000603100000000") }
        let cases = pki + "/cases.json"
        try certification.suite.json.write(toFile: cases, atomically: true, encoding: .utf8)
        let runner = try ScenarioRunner(pki: pki)
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        async let report = certification.run(runner: runner, announce: { _ in }, listening: { listening in
            continuation.yield(listening.forSUTs["Acquirer"] ?? "")
            continuation.finish()
        })
        var address = ""
        for await value in addresses { address = value }
        let robot = try await ExternalTool.run([
            "python3", "Tests/Interop/pos_robot.py", "--cases", cases, "--port", String(address.split(separator: ":").last ?? "0"),
            "--ca", pki + "/ca.pem", "--cert", pki + "/sut.pem", "--key", pki + "/sut-key.pem", "--tmk", tmk, "--dialect", dialect, "--wait", "5",
        ] + (defect.map { ["--defect", $0] } ?? []), hint: "needs python3 with pyiso8583, psec and pyemv")
        let result = await report
        try await runner.shutdown()
        return (result, robot)
    }

    static func failed(_ report: CertificationRun.Report) -> [String] { report.outcomes.filter(\.failed).map(\.id) }

    @Test("a POS that does what a UnionPay POS must passes all 21 cases, in the default dialect and in UnionPay's packed one, and the centre's money is right", arguments: ["default", "cup"])
    func goodPOS(dialect: String) async throws {
        let (report, robot) = try await Self.certify(dialect: dialect)
        #expect(report.outcomes.count == 21 && report.failed == 0, "\(report.outcomes.filter(\.failed).map { "\($0.id): \($0.checks.filter { !$0.passed })" }) \(robot)")
        #expect(report.problems.isEmpty, "\(report.problems)")
        // The evidence holds every message both ways, as bytes on the wire.
        #expect(report.outcomes.allSatisfy { $0.messages.allSatisfy { !$0.bytes.isEmpty } }, "\(report.outcomes.flatMap { outcome in outcome.messages.filter(\.bytes.isEmpty).map { "\(outcome.id) \($0.sent) \($0.message?.mti.rawValue ?? "-")" } })")
        if dialect == "cup" { #expect(report.outcomes.allSatisfy { $0.checks.contains { $0.rule == "its TPDU and header are as configured" && $0.passed } }) }
        // The bad-ARPC case: the card declined after 00 and the POS reversed with 06.
        let arpc = try #require(report.outcomes.first { $0.id == "POS-020" })
        #expect(arpc.messages.compactMap { $0.sent ? nil : $0.message?[39] } == ["06"])
    }

    @Test("planted defects fail exactly the cases they touch: no reversal after a missing answer, no MAC, a DE55 without 9F26", arguments: [
        // A purchase it never reversed stays approved at the centre: its next batch disagrees too.
        ("no-reversal", ["POS-060", "POS-070"]),
        ("no-arqc", ["POS-013", "POS-014", "POS-020"]),
    ])
    func defects(defect: String, expected: [String]) async throws {
        let (report, robot) = try await Self.certify(defect: defect)
        #expect(Self.failed(report) == expected, "\(robot)")
        #expect(report.outcomes.count == 21)
    }

    @Test("a POS that MACs nothing fails every case but the sign-on: the centre answers A0")
    func noMAC() async throws {
        let (report, robot) = try await Self.certify(defect: "no-mac")
        #expect(Self.failed(report) == POSSuite.builtIn.cases.map(\.id).filter { $0 != "POS-001" }, "\(robot)")
        let purchase = try #require(report.outcomes.first { $0.id == "POS-010" })
        #expect(purchase.checks.contains { $0.rule == "its MAC verifies at the centre" && !$0.passed && $0.actual == "A0" })
    }

    @Test("a POS that never connects fails the first case and the rest are not run, at once, not each after its wait")
    func silentPOS() async throws {
        let pki = try Served.pki()
        var certification = POSCertification(suite: .builtIn, listen: try #require(Endpoint("127.0.0.1:0")))
        certification.pos.tmk = DESKey(hex: Self.tmk)
        certification.caseTimeout = .seconds(1)
        certification.firstWait = .seconds(1)
        let runner = try ScenarioRunner(pki: pki)
        let started = ContinuousClock.now
        let report = await certification.run(runner: runner, announce: { _ in }, listening: { _ in })
        try await runner.shutdown()
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(Self.failed(report) == ["POS-001"])
        #expect(report.outcomes.count == 21 && report.outcomes.dropFirst().allSatisfy { $0.skipped == "not run: the POS sent nothing for POS-001 within 1 s" })
    }

    @Test("--print-cases --json is the suite a robot reads: cards with their track 2 and chip keys, each case's instruction and expected messages")
    func printedCases() throws {
        let suite = POSCertification.withTracks(.builtIn)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(suite.json.utf8)) as? [String: Any])
        let cards = try #require(object["cards"] as? [[String: Any]])
        let cases = try #require(object["cases"] as? [[String: Any]])
        #expect(cases.count == 21 && cases.count >= 20)
        #expect(cards.allSatisfy { ($0["track2"] as? String)?.contains("=") == true })
        #expect(cases.first { $0["id"] as? String == "POS-041" }.map { "\($0["do"] ?? "") \($0["of"] ?? "") \($0["amount"] ?? "")" } == "complete POS-040 90.00")
        #expect(cases.first { $0["id"] as? String == "POS-061" }?["expect"] as? [String] == ["0200", "0800", "0400"])
    }
}

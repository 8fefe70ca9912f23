import Foundation
import PaymentNetwork
import PaymentSecurity
import Scenario
import TestSupport
import Testing
@testable import RunCore

/// PayLab's own network runs secured: working keys at sign-on under the TMK, X9.19 MACs under
/// each zone's ZAK and the terminal's MAK, none on network management; checked on a capture
/// of a real run by psec and pyiso8583.
@Suite("Secured links, checked on the wire by psec", .serialized)
struct LinkSecurityTests {
    static let keys = (
        tmk: "70F2A84CCBC2AE8625CBB0F2C22AB923",
        acquirerScheme: "0123456789ABCDEFFEDCBA9876543210",
        schemeIssuer: "89ABCDEF01234567FEDCBA9876543210",
        acquirerBank: "C1D0F8FB4958670DBA40AB1F3752EF0D",
        acquirerSchemePIN: "4C6B8A1F2E3D5C7B9A0F1E2D3C4B5A69",
        schemeIssuerPIN: "F1E2D3C4B5A6978869584A3B2C1D0E0F",
        singleTMK: "0123456789ABCDEF"
    )

    static let scenario = """
        name: Secured purchase and payout
        start: 2026-03-16 10:00
        network:
          scheme: { name: UnionPay }
          acquirer: { name: Leshua }
          banks:
            - { name: ICBC, bins: ["622202"] }
            - { name: CMB }
          merchants:
            - { id: "898440354110001", name: Pharmacy, account: { bank: CMB, number: "6214830000000001" },
                terminals: [{ id: T0000001, tmk: "\(keys.tmk)" }, { id: T0000002, tmk: "\(keys.singleTMK)", working_keys: single }] }
          cards:
            - { pan: "6222020000000001", bank: ICBC, balance: 400.00, pin: "123456" }
          security:
            mac: x9.19
            zones:
              "Leshua -> UnionPay": { zak: "\(keys.acquirerScheme)", zpk: "\(keys.acquirerSchemePIN)" }
              "UnionPay -> ICBC": { zak: "\(keys.schemeIssuer)", zpk: "\(keys.schemeIssuerPIN)" }
              "Leshua -> CMB": { zak: "\(keys.acquirerBank)" }
        steps:
          - at: 2026-03-16 10:10
            swipe: { id: buy, amount: 25.00, pin: "123456" }
          - at: 2026-03-16 10:11
            swipe: { id: old_till, terminal: T0000002, amount: 5.00, pin: "123456" }
        expect:
          - { transaction: buy, response: "00", arrives: 2026-03-17 09:00, credited: 25.00 }
          - { transaction: old_till, response: "00", credited: 5.00 }
        """

    @Test("every frame but network management carries the X9.19 MAC psec computes under its link's key; the keys of DE62 have their check values; the PIN block reads under the PIK, then each zone's ZPK")
    func macsOnTheWire() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-secured-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.parse(Self.scenario, file: "secured.yaml"), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        #expect(result.passed, "\(result.failures) \(result.problems)")
        let issued = result.timeline.filter { $0.kind == .keysIssued }
        #expect(issued.count == 2 && issued.allSatisfy { $0.detail.contains("MAK check value") }, "\(issued)")
        let folder = try #require(result.captureFolder)
        let payloads = try await runTool(["tshark", "-r", folder + "/messages.pcap", "-T", "fields", "-e", "tcp.payload"])
        let frames = payloads.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        // Two sign-ons (4), two purchases over three hops (12), the payout (2).
        #expect(frames.count == 18)
        let request: [String: Any] = [
            "frames": frames,
            "zaks": ["Leshua -> UnionPay": Self.keys.acquirerScheme, "UnionPay -> ICBC": Self.keys.schemeIssuer, "Leshua -> CMB": Self.keys.acquirerBank],
            "zpks": ["Leshua -> UnionPay": Self.keys.acquirerSchemePIN, "UnionPay -> ICBC": Self.keys.schemeIssuerPIN],
            "tmks": ["T0000001": Self.keys.tmk, "T0000002": Self.keys.singleTMK],
        ]
        let input = root + "/check.json"
        try JSONSerialization.data(withJSONObject: request).write(to: URL(fileURLWithPath: input))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Interop/mac_capture_check.py").path
        let output = try await runTool(["sh", "-c", "python3 \"$0\" < \"$1\"", script, input])
        let verdict = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect((verdict["unmatched"] as? [Any])?.isEmpty == true, "\(verdict)")
        #expect(verdict["management_with_mac"] as? Int == 0)
        let macs = try #require(verdict["macs"] as? [String: Int])
        // The purchase crosses terminal -> acquirer -> scheme -> issuer and back; the payout acquirer -> CMB.
        #expect(macs["MAK T0000001"] == 2 && macs["MAK T0000002"] == 2 && macs["Leshua -> UnionPay", default: 0] == 4
            && macs["UnionPay -> ICBC", default: 0] == 4 && macs["Leshua -> CMB", default: 0] == 2, "\(macs)")
        let issuedKeys = try #require(verdict["issued"] as? [[String: Any]])
        let lengths = issuedKeys.map { ($0["terminal"] as? String ?? "", ($0["keys"] as? [[String: Any]] ?? []).map { $0["length"] as? Int ?? 0 }) }
        #expect(lengths.map(\.0) == ["T0000001", "T0000002"] && lengths.map(\.1) == [[16, 16], [8, 8]], "\(lengths)")
        #expect(issuedKeys.allSatisfy { (($0["keys"] as? [[String: Any]]) ?? []).allSatisfy { $0["kcv_matches"] as? Bool == true } })
        // Each purchase's PIN block on each of its three hops, each under that hop's key.
        let pins = try #require(verdict["pins"] as? [[String: String]])
        #expect(verdict["unreadable_pins"] as? Int == 0)
        #expect(pins.map { $0["key"] ?? "" } == ["PIK T0000001", "Leshua -> UnionPay", "UnionPay -> ICBC", "PIK T0000002", "Leshua -> UnionPay", "UnionPay -> ICBC"], "\(pins)")
        #expect(pins.allSatisfy { $0["pin"] == "123456" })
    }

    /// pyemv's verdict on the chip cryptograms of a captured run of a library scenario.
    func emvVerdict(_ path: String) async throws -> [String: Any] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-chip-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scenario = try ScenarioLoader.load(path: path)
        let runner = ScenarioRunner()
        let result = await runner.run(scenario, capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        #expect(result.passed, "\(result.failures)")
        let folder = try #require(result.captureFolder)
        let payloads = try await runTool(["tshark", "-r", folder + "/messages.pcap", "-T", "fields", "-e", "tcp.payload"])
        var cards: [String: Any] = [:]
        for card in scenario.network.cards { if let chip = card.chip { cards[card.pan] = ["imk": chip.imk.hex, "psn": chip.psn] } }
        let request: [String: Any] = ["frames": payloads.split(separator: "\n").map(String.init).filter { !$0.isEmpty }, "cards": cards]
        let input = root + "/emv.json"
        try JSONSerialization.data(withJSONObject: request).write(to: URL(fileURLWithPath: input))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Interop/emv_capture_check.py").path
        let output = try await runTool(["sh", "-c", "python3 \"$0\" < \"$1\"", script, input])
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    @Test("every chip request's ARQC and every answer's ARPC in a capture of the chip library scenario are the ones pyemv computes")
    func cryptogramsOnTheWire() async throws {
        let verdict = try await emvVerdict("Scenarios/chip-card.yaml")
        // Two chip purchases over three hops each way: six requests with an ARQC, six answers with an ARPC.
        #expect(verdict["arqcs"] as? Int == 6 && verdict["arpcs"] as? Int == 6, "\(verdict)")
        #expect((verdict["arqc_mismatches"] as? [Any])?.isEmpty == true && (verdict["arpc_mismatches"] as? [Any])?.isEmpty == true, "\(verdict)")
    }

    @Test("pyemv finds exactly the planted bad cryptograms (bad_arqc: the card's; bad_arpc: the issuer's) and agrees with the TC in the batch upload")
    func plantedCryptograms() async throws {
        let verdict = try await emvVerdict("Scenarios/chip-declines-after-approval.yaml")
        // Three chip purchases over three hops: nine ARQCs, the bad card's three do not verify; the
        // two approvals' six ARPCs, the spoiled one's three do not; one TC, uploaded at the settlement.
        #expect(verdict["arqcs"] as? Int == 9 && (verdict["arqc_mismatches"] as? [Any])?.count == 3, "\(verdict)")
        #expect(verdict["arpcs"] as? Int == 6 && (verdict["arpc_mismatches"] as? [Any])?.count == 3, "\(verdict)")
        #expect(verdict["tcs"] as? Int == 1 && (verdict["tc_mismatches"] as? [Any])?.isEmpty == true, "\(verdict)")
    }
}

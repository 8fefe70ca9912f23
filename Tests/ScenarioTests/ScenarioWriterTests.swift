import Foundation
import PaymentNetwork
import SettlementCalendar
import Testing
@testable import Scenario

/// `ScenarioWriter` is the reader's inverse: every scenario of the library and the examples,
/// written and read back, is the same scenario (only where each item was written differs).
@Suite("Writing scenarios")
struct ScenarioWriterTests {
    static let files: [String] = {
        let manager = FileManager.default
        var files: [String] = []
        for folder in ["Scenarios", "Examples", "docs/examples"] {
            let names = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
            files += names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
        }
        return ((try? ScenarioFiles.expand(files)) ?? []).filter { (try? ScenarioLoader.load(path: $0)) != nil }
    }()

    @Test("the library and the examples are there to write (a test that reads nothing proves nothing)")
    func filesFound() {
        #expect(Self.files.count >= 45, "\(Self.files)")
    }

    @Test("every file read, written and read again gives an equal scenario", arguments: files)
    func roundTrip(path: String) throws {
        let original = try ScenarioLoader.load(path: path)
        let yaml = ScenarioWriter().yaml(original)
        let again: Scenario
        do {
            again = try ScenarioLoader.parse(yaml, file: path)
        } catch {
            Issue.record("the written scenario does not read: \(error)\n\(yaml)")
            return
        }
        #expect(again.withoutLines == original.withoutLines, "\(yaml)")
        // Writing is a fixed point: the written file writes itself.
        #expect(ScenarioWriter().yaml(again) == yaml)
    }

    @Test("a value the library never uses still comes back: every kind of fault, step and expectation, an external node, a file calendar")
    func everyKind() throws {
        let yaml = """
            name: "every kind: \\"quoted\\""
            description: |
              two lines
              of story
            tags: [a, b]
            seed: 42
            timezone: America/New_York
            currency: USD
            calendar: weekdays
            start: "2026-03-06 10:00"
            horizon: 90m
            network:
              scheme: { cutoff: "22:30", timeout: 20s, stand_in: { limit: 50.00 }, preauth_days: 7, completion_tolerance: 20%, mcc_check: true, interchange: { "5411": 0.35% } }
              acquirer: { id: "12345", timeout: 40s, reversal_attempts: 3, unmatched: refund, mcc_override: { "898440354110001": "5999" } }
              banks:
                - { name: Issuer, bins: ["622202"] }
                - { name: Host, bins: ["621700"], external: { address: "127.0.0.1:9101", tls: none, dialect: cup, framing: { length: bcd2, tpdu: "6000010000" }, timeout: 2s, echo: 0, match: [11, 41], mac: x9.19, zak: "00112233445566778899AABBCCDDEEFF" } }
                - { name: MerchantBank }
              merchants:
                - id: "898440354110001"
                  fee: [{ rate: 0.6% }, { from: 2026-03-10, rate: 0.38% }]
                  fee_cap: 20.00
                  fee_rounding: half_up
                  settlement: D+0
                  payout_at: "08:30:15"
                  account: { bank: MerchantBank, number: "6214830000000001", status: frozen }
                  terminals: ["T0000001", "T0000002", { id: T0000003, external: { tls: none, timeout: 5s } }]
              cards:
                - { pan: "6222020000000001", bank: Issuer, balance: 100.00, daily_limit: 80.00, status: active }
              accounts:
                - { bank: MerchantBank, number: "6214830000000009", balance: -1.00, status: closed }
            faults:
              - { maintenance: MerchantBank, from: "2026-03-06 10:00", to: "2026-03-06 10:30" }
              - { outage: Acquirer, from: "2026-03-06 10:01" }
              - { freeze: "6214830000000009", from: "2026-03-06 10:02" }
              - { hold: "898440354110001", from: "2026-03-06 10:03", to: "2026-03-06 11:00" }
              - { network: "T0000001 -> Acquirer", latency: 1500ms, jitter: 500ms, from: "2026-03-06 10:04" }
              - { network: "Acquirer -> Scheme", drop: response, count: 2, from: "2026-03-06 10:05" }
              - { network: "Acquirer -> Scheme", duplicate: request, probability: 25%, from: "2026-03-06 10:05" }
              - { network: "Acquirer -> Scheme", corrupt: response, from: "2026-03-06 10:05" }
              - { network: "Acquirer -> MerchantBank", disconnect: true, from: "2026-03-06 10:06" }
            steps:
              - { at: "2026-03-06 10:10", swipe: { id: p1, terminal: T0000001, amount: 10.00, keyed: 1.00 } }
              - { swipe: { id: p2, repeat: p1 } }
              - { swipe: { id: h, amount: 30.00, preauth: true } }
              - { complete: { id: c, of: h, amount: 31.00 } }
              - { swipe: { id: h2, amount: 5.00, preauth: true } }
              - { cancel: { id: x, of: h2 } }
              - { refund: { id: r, of: c, amount: 1.00, terminal: T0000002 } }
              - { dispute: { id: d, of: p1, reason: "4837" } }
              - { void: p1 }
              - { at: "2026-03-06 10:20", power_off: { terminal: T0000002, until: "2026-03-06 10:40" } }
              - { at: "2026-03-06 10:40", settle: { terminal: T0000001 } }
              - { change_account: { merchant: "898440354110001", account: { bank: MerchantBank, number: "6214830000000002" } } }
            expect:
              - { transaction: p1, response: "00", status: voided, settlement_date: 2026-03-06, arrives: never, credited: 0.00, refunded: 1.00, interchange: 0.04, mcc_on_wire: "5999", events: [authorized] }
              - { transaction: h, held: 0.00, arrives: "2026-03-07 08:30:15" }
              - { account: "6214830000000009", balance: -1.00 }
              - { merchant: "898440354110001", net_payouts: [{ date: 2026-03-09, amount: 9.94 }] }
            """
        let original = try ScenarioLoader.parse(yaml, file: "every.yaml")
        let written = ScenarioWriter().yaml(original)
        let again = try ScenarioLoader.parse(written, file: "every.yaml")
        #expect(again.withoutLines == original.withoutLines, "\(written)")
        #expect(original.network.missingAccounts.isEmpty && original.faults.count == 9 && original.steps.count == 13)
        #expect(original.network.merchants[0].feeRounding == .halfUp)
        #expect(original.faults[4].jitter == .milliseconds(500) && original.faults[6].probabilityPPM == 250_000)
    }

    @Test("comments go where they are asked for, and the file still reads")
    func comments() throws {
        let original = try ScenarioLoader.parse("""
            name: commented
            start: "2026-05-11 10:00"
            steps:
              - { swipe: { id: p, amount: 1.00 } }
            expect:
              - { transaction: p, response: "00" }
            """, file: "c.yaml")
        var writer = ScenarioWriter()
        writer.header = ["Imported from a capture", "", "second line"]
        writer.stepComments = [0: "the swipe the merchant complained of"]
        writer.expectationComments = [0: "what the capture shows"]
        let written = writer.yaml(original)
        #expect(written.hasPrefix("# Imported from a capture\n#\n# second line\nname: commented\n"))
        #expect(written.contains("  # the swipe the merchant complained of\n  - { at: \"2026-05-11 10:00\", swipe:"))
        #expect(written.contains("  # what the capture shows\n  - { transaction: p, response: \"00\" }"))
        #expect(try ScenarioLoader.parse(written, file: "c.yaml").withoutLines == original.withoutLines)
    }

    @Test("names and ids are written plainly where YAML reads them back as the same text, else quoted", arguments: [
        ("T0000001", "T0000001"), ("Acquirer -> Scheme", "Acquirer -> Scheme"), ("6222020000000001", "\"6222020000000001\""),
        ("true", "\"true\""), ("No", "\"No\""), ("a: b", "\"a: b\""), ("x #y", "\"x #y\""), ("ends ", "\"ends \""), ("ACME SHOP 00002", "ACME SHOP 00002"),
        ("", "\"\""), ("say \"hi\"", "\"say \\\"hi\\\"\""),
    ])
    func scalars(text: String, written: String) throws {
        #expect(ScenarioWriter.scalar(text) == written)
        let yaml = "name: \(written)\nstart: \"2026-05-11 10:00\"\n"
        if !text.isEmpty { #expect(try ScenarioLoader.parse(yaml, file: "s.yaml").name == text) }
    }

    @Test("durations and rates are written in the unit a person would", arguments: [
        (Duration.seconds(30 * 86400), "30d"), (.seconds(7200), "2h"), (.seconds(90), "90s"), (.seconds(120), "2m"), (.milliseconds(1500), "1500ms"),
    ])
    func durations(duration: Duration, text: String) {
        #expect(ScenarioWriter.duration(duration) == text)
        #expect(Values.duration(text) == duration)
    }

    @Test("rates", arguments: [(Int64(6000), "0.6%"), (150_000, "15%"), (3500, "0.35%"), (0, "0%"), (1, "0.0001%")])
    func rates(ppm: Int64, text: String) {
        #expect(ScenarioWriter.rate(ppm) == text)
        #expect(Values.rate(text) == ppm)
    }
}

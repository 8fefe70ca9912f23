import Foundation
import PaymentSecurity
import SettlementCalendar
import ISO8583
import Scenario
import Testing
import TestSupport
import ServedSupport
import Wire
@testable import RunCore
@testable import Certification

/// `paylab certify issuer` against an issuer host PayLab did not write (pyiso8583 over
/// Python's `ssl`), loaded with the suite's cards: the good host passes every case, and each
/// planted defect fails exactly the cases whose rules it breaks.
@Suite("Certifying an issuer host", .serialized)
struct CertifyTests {
    static let suite = CertificationSuite.builtIn("issuer")!

    /// Starts the host with the suite's cards (and a defect), runs the suite, stops the host.
    /// The zone keys PayLab and the host share (the host is given `hostZAK` when it differs).
    static let zak = "C1D0F8FB4958670DBA40AB1F3752EF0D", zpk = "4C6B8A1F2E3D5C7B9A0F1E2D3C4B5A69"

    static func certify(defect: String? = nil, hostZAK: String = zak) async throws -> CertificationRun.Report {
        let folder = NSTemporaryDirectory() + "paylab-certify-\(UUID().uuidString)"
        _ = try PKI(directory: folder + "/pki").initialize()
        let host = try IssuerHost(cardsJSON: suite.cardsJSON, arguments: [
            "--cert", folder + "/pki/sut.pem", "--key", folder + "/pki/sut-key.pem", "--client-ca", folder + "/pki/ca.pem",
            "--zak", hostZAK, "--zpk", zpk,
        ] + (defect.map { ["--defect", $0] } ?? []))
        let port = host.port
        // The link's timeout bounds the connect and TLS handshake (and a half frame's stall), never
        // an answer's wait (each case's step says its own): 30 s, for a machine where every suite
        // starts at once and a Python host waits its turn for a core.
        let target = try CertificationRun.Target(
            host: "127.0.0.1", port: port, security: .mutual, caFile: folder + "/pki/ca.pem", framing: .standard, dialect: .default, timeout: .seconds(30))
        var run = CertificationRun(suite: suite, target: target, supports: ["void", "stand_in"], only: nil)
        run.keys.zak = DESKey(hex: zak)
        run.keys.zpk = DESKey(hex: zpk)
        let report = await run.run(credentials: TLSCredentials(authority: try PKI(directory: folder + "/pki").authority()))
        withExtendedLifetime(host) {}
        return report
    }

    /// The cases with a check on `field` (in a run where they all ran).
    static func cases(checking field: Int, in report: CertificationRun.Report, where rule: (String) -> Bool = { _ in true }) -> Set<String> {
        Set(report.outcomes.filter { $0.checks.contains { $0.field == field && rule($0.rule) } }.map(\.id))
    }

    @Test("the good host passes every case of the issuer suite, and the evidence is written")
    func goodHost() async throws {
        let report = try await Self.certify()
        #expect(report.outcomes.count == Self.suite.cases.count)
        #expect(report.outcomes.filter(\.failed).map(\.id) == [], "\(CertificationReportText.render(report))")
        #expect(report.passed == 22)
        // Every answer but network management and A0 had its MAC checked under the ZAK (psec made it).
        let macChecks = report.outcomes.flatMap(\.checks).filter { $0.rule == "MAC x9.19 under the ZAK" }
        #expect(macChecks.count >= 20 && macChecks.allSatisfy(\.passed))
        let folder = NSTemporaryDirectory() + "paylab-evidence-\(UUID().uuidString)"
        try CertificationReportText.writeEvidence(report, to: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.contains("messages.pcap") && files.contains("summary.html") && files.contains("ISS-020.txt"))
        let evidence = try String(contentsOfFile: folder + "/ISS-010.txt", encoding: .utf8)
        #expect(evidence.contains("DE2 622202******0001"))
        #expect(!evidence.contains("6222021000000001"), "a PAN in clear in the evidence")
        let decoded = try await ExternalTool.run(["tshark", "-r", folder + "/messages.pcap", "-d", "tcp.port==40000,iso8583",
                                            "-o", "iso8583.len_endian:bigendian", "-T", "fields", "-e", "iso8583.mti", "-Y", "iso8583"])
        #expect(decoded.split(separator: "\n").count == report.outcomes.flatMap(\.messages).count)
    }

    @Test("a host that drops DE37 from its answers fails exactly the cases that check DE37, on DE37 alone; junitparser reads the verdicts")
    func dropsDE37() async throws {
        let good = try await Self.certify()
        let bad = try await Self.certify(defect: "no-de37")
        let junit = NSTemporaryDirectory() + "paylab-certify-\(UUID().uuidString).xml"
        try Data(CertificationReportText.junit(bad).utf8).write(to: URL(fileURLWithPath: junit))
        let read = try await ExternalTool.run(["python3", "Tests/Interop/junit_check.py", junit], hint: "needs junitparser")
        let parsed = try JSONSerialization.jsonObject(with: Data(read.utf8)) as? [String: Any]
        let suite = (parsed?["suites"] as? [[String: Any]])?.first
        let cases = suite?["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == bad.outcomes.count)
        #expect(suite?["failures"] as? Int == bad.failed)
        #expect((cases.first { ($0["name"] as? String)?.hasPrefix("ISS-010") == true }?["failure"] as? String)?.contains("DE37 echo: expected") == true)
        let failedChecks = bad.outcomes.flatMap { $0.checks.filter { !$0.passed } }
        #expect(!failedChecks.isEmpty && failedChecks.allSatisfy { $0.field == 37 })
        #expect(Set(bad.outcomes.filter(\.failed).map(\.id)) == Self.cases(checking: 37, in: good))
    }

    @Test("a skipped case is neither passed nor failed: null in the JSON with its reason, <skipped> in the JUnit report")
    func skippedIsNeither() async throws {
        let skipped = CertificationRun.Outcome(id: "ISS-030", name: "Void", mandatory: false, skipped: "needs --supports void", checks: [], messages: [])
        let ran = CertificationRun.Outcome(
            id: "ISS-001", name: "Sign-on", mandatory: true, skipped: nil,
            checks: [CertificationRun.Check(step: 1, field: 39, rule: "equals", expected: "00", actual: "00", passed: true)], messages: [])
        let report = CertificationRun.Report(suite: Self.suite, target: "127.0.0.1:1", started: Date(), outcomes: [ran, skipped], problems: [])
        let json = try JSONSerialization.jsonObject(with: Data(CertificationReportText.json(report).rendered().utf8)) as? [String: Any]
        let cases = json?["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == 2)
        #expect(cases.first?["passed"] as? Bool == true)
        #expect(cases.last?["passed"] is NSNull, "a skipped case reported as \(String(describing: cases.last?["passed"]))")
        #expect(cases.last?["skipped"] as? String == "needs --supports void")
        #expect(json?["passed"] as? Int == 1 && json?["failed"] as? Int == 0 && json?["skipped"] as? Int == 1)
        let junit = NSTemporaryDirectory() + "paylab-certify-\(UUID().uuidString).xml"
        try Data(CertificationReportText.junit(report).utf8).write(to: URL(fileURLWithPath: junit))
        let read = try await ExternalTool.run(["python3", "Tests/Interop/junit_check.py", junit], hint: "needs junitparser")
        let parsed = try JSONSerialization.jsonObject(with: Data(read.utf8)) as? [String: Any]
        let junitCases = (parsed?["suites"] as? [[String: Any]])?.first?["cases"] as? [[String: Any]] ?? []
        #expect(junitCases.map { $0["skipped"] as? Bool } == [false, true])
        #expect(junitCases.map { $0["failure"] is NSNull } == [true, true])
        #expect(parsed?["failures"] as? Int == 0)
    }

    @Test("a host that answers 00 to a reversal it never saw passes ISS-021 as one that answers 25 does (networks differ)")
    func reversesTheUnseen() async throws {
        let report = try await Self.certify(defect: "reverse-unseen-00")
        #expect(report.outcomes.filter(\.failed).map(\.id) == [])
        let answered = report.outcomes.first { $0.id == "ISS-021" }?.checks.first { $0.field == 39 }
        #expect(answered?.actual == "00" && answered?.rule == "one of 25, 00")
    }

    @Test("a host whose ZAK is not PayLab's answers A0 to every MACed request: every case but network management fails, on DE39")
    func wrongZAK() async throws {
        let report = try await Self.certify(hostZAK: "0123456789ABCDEFFEDCBA9876543210")
        let management: Set = ["ISS-001", "ISS-002", "ISS-099"]
        #expect(Set(report.outcomes.filter(\.passed).map(\.id)) == management.union(["ISS-060"]))
        let first = report.outcomes.first { $0.id == "ISS-010" }?.checks.first { $0.field == 39 }
        #expect(first?.actual == "A0" && first?.passed == false)
    }

    @Test("a host that approves without DE38 fails exactly the cases with an approval, on DE38 alone")
    func approvesWithoutDE38() async throws {
        let good = try await Self.certify()
        let bad = try await Self.certify(defect: "no-de38")
        let failedChecks = bad.outcomes.flatMap { $0.checks.filter { !$0.passed } }
        #expect(!failedChecks.isEmpty && failedChecks.allSatisfy { $0.field == 38 })
        #expect(Set(bad.outcomes.filter(\.failed).map(\.id)) == Self.cases(checking: 38, in: good) { $0 != "echo if present" })
    }

    @Test("a host that is not there: every case fails with the reason, nothing hangs")
    func noHost() async throws {
        let target = try CertificationRun.Target(host: "127.0.0.1", port: 1, security: .none, caFile: nil, framing: .standard, dialect: .default, timeout: .seconds(1))
        let report = await CertificationRun(suite: Self.suite, target: target, supports: [], only: ["ISS-001", "ISS-010"])
            .run(credentials: TLSCredentials(authority: try CertificateAuthority()))
        #expect(report.outcomes.map(\.id) == ["ISS-001", "ISS-010"])
        #expect(report.outcomes.allSatisfy { $0.checks.first?.actual?.hasPrefix("no connection to the SUT") == true })
    }
}

/// The parts of certify that need no socket: rules, templates, case files.
@Suite("Certification cases as data")
struct CertificationCaseTests {
    func message(_ fields: [Int: String], mti: MTI = "0210") -> ISOMessage {
        var message = ISOMessage(mti: mti)
        for (field, value) in fields { message[field] = value }
        return message
    }

    @Test("each rule passes and fails where it should", arguments: [
        (CertificationSuite.Rule.equals("00"), "00", true), (.equals("00"), "05", false),
        (.oneOf(["00", "10"]), "10", true), (.oneOf(["00", "10"]), "51", false),
        (.matches("[0-9]{6}"), "123456", true), (.matches("[0-9]{6}"), "12345A", false),
        (.present, "x", true), (.absent, "x", false), (.approved, "00", true), (.approved, "51", false), (.declined, "51", true),
    ])
    func rules(rule: CertificationSuite.Rule, value: String, passes: Bool) {
        let check = CertificationRun.check(rule, field: 39, step: 1, request: message([:], mti: "0200"), answer: message([39: value]))
        #expect(check.passed == passes)
    }

    @Test("echo needs the request's value; echo if present lets the answer leave it out; a PAN is masked in the check")
    func echoes() {
        let request = message([2: "6222021000000001", 37: "000000000001"], mti: "0200")
        #expect(CertificationRun.check(.echo, field: 37, step: 1, request: request, answer: message([37: "000000000001"])).passed)
        #expect(!CertificationRun.check(.echo, field: 37, step: 1, request: request, answer: message([:])).passed)
        #expect(!CertificationRun.check(.echo, field: 41, step: 1, request: request, answer: message([:])).passed)
        #expect(CertificationRun.check(.echoIfPresent, field: 2, step: 1, request: request, answer: message([:])).passed)
        let wrong = CertificationRun.check(.echoIfPresent, field: 2, step: 1, request: request, answer: message([2: "6222021000000002"]))
        #expect(!wrong.passed && wrong.expected == "622202******0001" && wrong.actual == "622202******0002")
    }

    @Test("templates refer to cards, amounts, earlier steps, captures and the original's DE90")
    func templates() throws {
        var context = TemplateContext(cards: CertifyTests.suite.cards)
        context.fresh(now: Date(timeIntervalSince1970: 1_778_464_800), stan: "000042", rrn: "000000000007")
        #expect(try context.expand("${card.approved.pan}/${card.approved.expiry}") == "6222021000000001/2812")
        #expect(try context.expand("${card.reversal.balance}") == "000000030000")
        #expect(try context.expand("${amount.120.00}") == "000000012000")
        #expect(try context.expand("${stan} ${rrn} ${now.de7}") == "000042 000000000007 0511020000")
        var purchase = message([11: "000042", 7: "0511020000", 32: "48020000"], mti: "0200")
        purchase[41] = "T0000001"
        context.sent.append(purchase)
        context.received.append(message([38: "A1B2C3"]))
        context.captured["auth"] = "A1B2C3"
        #expect(try context.expand("${original.1}") == "0200000042051102000000048020000" + String(repeating: "0", count: 11))
        #expect(try context.expand("${received.1.38}=${captured.auth}") == "A1B2C3=A1B2C3")
        #expect(throws: (any Error).self) { try context.expand("${received.1.37}") }
        #expect(throws: (any Error).self) { try context.expand("${received.2.38}") }
        #expect(throws: (any Error).self) { try context.expand("${card.nobody.pan}") }
        #expect(throws: (any Error).self) { try context.expand("${stan") }
    }

    @Test("a case file's mistakes are reported at their line and column")
    func mistakes() {
        let text = """
            suite: mine
            cards:
              - { name: a, pan: "12" }
            cases:
              - id: X-1
                steps:
                  - send: "0210"
              - id: X-1
                requires: [void]
                mandatory: true
                steps:
                  - send: "0200"
                    rules: { 39: approvedd, 300: present, 38: { between: 1 } }
            """
        do {
            _ = try CertificationSuite.parse(text, file: "c.yaml")
            Issue.record("a bad case file was accepted")
        } catch {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.contains("c.yaml:3:21: error: pan '12' is not 12 to 19 digits"))
            #expect(messages.contains("c.yaml:7:15: error: send '0210' is not a request MTI (0200, 0420 ...)"))
            #expect(messages.contains("c.yaml:9:15: error: a mandatory case requires nothing; drop 'requires' or say mandatory: false"))
            #expect(messages.contains { $0.hasPrefix("c.yaml:8:5: error: two cases have the id 'X-1'") })
            #expect(messages.contains("c.yaml:13:38: error: a rule is keyed by a field number from 2 to 128, not '300'"))
            #expect(messages.contains { $0.hasPrefix("c.yaml:13:53: error: unknown key 'between' in a rule") })
            #expect(messages.contains("c.yaml:5:5: error: case X-1 needs at least one step"))
            #expect(messages.count == 7, "\(messages)")
        }
    }

    @Test("the built-in suite reads, and its cards are the JSON a host loads")
    func builtIn() throws {
        let suite = try #require(CertificationSuite.builtIn("issuer"))
        #expect(suite.cases.map(\.id).first == "ISS-001")
        #expect(suite.cases.filter { !$0.mandatory }.map(\.id) == ["ISS-030", "ISS-040", "ISS-050", "ISS-051", "ISS-052", "ISS-053", "ISS-060", "ISS-061"])
        #expect(suite.cases.filter { $0.requires.contains("pin") || $0.requires.contains("mac") }.count == 6)
        let cards = try JSONSerialization.jsonObject(with: Data(suite.cardsJSON.utf8)) as? [[String: Any]]
        #expect(cards?.count == suite.cards.count - 1)
        #expect(cards?.first?["pan"] as? String == "6222021000000001")
        #expect(cards?.first?["currency"] as? String == "156")
        #expect(cards?.first.map { $0["daily_limit"] is NSNull } == true)
    }
}

/// The acquirer suite against an acquirer PayLab serves as the system under test (its own,
/// with its terminal, scheme and merchant's bank external): PayLab plays those three.
@Suite("Certifying an acquirer", .serialized)
struct AcquirerCertifyTests {
    /// The terminal's master key, and the zone keys of the acquirer's link to the scheme.
    static let tmk = "70F2A84CCBC2AE8625CBB0F2C22AB923", zak = "0123456789ABCDEFFEDCBA9876543210", zpk = "4C6B8A1F2E3D5C7B9A0F1E2D3C4B5A69"

    @Test("PayLab's own acquirer, served, passes the acquirer suite (forwarding, declines, a reversal after the scheme's silence, no duplicate forwarding, the payout after the fee, keys under the TMK, MACs, the PIN at the scheme) (it sets DE37 itself)")
    func paylabAcquirer() async throws {
        let folder = NSTemporaryDirectory() + "paylab-certify-acq-\(UUID().uuidString)"
        _ = try PKI(directory: folder).initialize()
        let (acquirer, scheme, bank) = (try Listening.freePort(), try Listening.freePort(), try Listening.freePort())
        // A zone where it is about noon now, so a D+0 merchant is paid at once.
        let utcHour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
        let offset = 12 - utcHour
        let zoneName = offset == 0 ? "UTC" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
        let zone = try #require(Zone(identifier: zoneName))
        let now = zone.local(Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
        let start = "\(now.date) \(String(format: "%02d:%02d:%02d", now.time.hour, now.time.minute, now.time.second))"
        let target = try CertificationRun.Target(
            host: "127.0.0.1", port: acquirer, security: .mutual, caFile: folder + "/ca.pem", framing: .standard, dialect: .default, timeout: .seconds(30))
        var configured = target
        configured.schemeListen = Endpoint(host: "127.0.0.1", port: scheme)
        configured.bankListen = Endpoint(host: "127.0.0.1", port: bank)
        configured.zone = zone
        let suite = try #require(CertificationSuite.builtIn("acquirer"))
        let credentials = TLSCredentials(authority: try PKI(directory: folder).authority())
        // The suite dials the acquirer until the link's timeout: 30 s covers a loaded machine
        // starting the served network below.
        var run = CertificationRun(suite: suite, target: configured, supports: [], only: nil)
        run.keys.tmk = DESKey(hex: Self.tmk)
        run.keys.zak = DESKey(hex: Self.zak)
        run.keys.zpk = DESKey(hex: Self.zpk)
        let certify = run
        let certification = Task { await certify.run(credentials: credentials) }
        // The acquirer dials the suite's scheme and bank once, when it starts: they must listen by then.
        // The suite's own wait for them (30 s then, 90 s now) starts only when its task runs; at the start of a full run,
        // with every suite starting at once on two cores, this test's 30 s once ran out before the
        // suite's did (its cases then all passed): it waits longer, and goes on as soon as they listen.
        let schemeListens = await Listening.wait(port: scheme, timeout: .seconds(90))
        let bankListens = await Listening.wait(port: bank, timeout: .seconds(90))
        #expect(schemeListens && bankListens, "the suite's scheme and bank did not listen")
        let served = try await Served("""
            name: the acquirer under test
            timezone: \(zoneName)
            start: "\(start)"
            network:
              acquirer: { listen: "127.0.0.1:\(acquirer)", timeout: 2s }
              scheme: { external: { address: "127.0.0.1:\(scheme)", timeout: 5s, mac: x9.19, zak: "\(Self.zak)", zpk: "\(Self.zpk)" } }
              banks:
                - { name: MerchantBank, external: { address: "127.0.0.1:\(bank)", timeout: 5s } }
              merchants:
                - id: "898440354110001"
                  fee: 0.6%
                  settlement: D+0
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: [{ id: T0000001, external: { timeout: 5s, tmk: "\(Self.tmk)" } }]
              cards: []
            """, pki: folder)
        let report = await certification.value
        _ = try await served.stop()
        // SCENARIOS.md v2: the acquirer sets DE37 (RRN); PayLab's own acquirer passes the whole suite.
        #expect(report.outcomes.filter(\.failed).map(\.id).isEmpty, "\(CertificationReportText.render(report))")
        #expect(report.passed == suite.cases.count)
        // PayLab's own scheme, issuer and merchant's bank took every message and their books agree.
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(Set(report.outcomes.filter { $0.id == "ACQ-002" || $0.id == "ACQ-050" || $0.id == "ACQ-051" }.map(\.id)).count == 3)
        let keysCheck = report.outcomes.flatMap(\.checks).first { $0.rule == "working keys under the TMK" }
        #expect(keysCheck?.passed == true && keysCheck?.actual?.contains("MAK check value") == true)
        let pinAtScheme = report.outcomes.first { $0.id == "ACQ-050" }?.checks.first { $0.field == 52 }
        #expect(pinAtScheme?.passed == true, "\(String(describing: pinAtScheme))")
        let forwarded = try #require(report.outcomes.first { $0.id == "ACQ-010" }?.messages.first { $0.link == "scheme" }?.message)
        #expect(forwarded[32] == "48020000" && forwarded[18] == "5411" && forwarded[37]?.count == 12)
    }
}

import ArgumentParser
import Foundation
import RunCore
import ISO8583
import Scenario
import SettlementCalendar
import Wire
import Certification
import PaymentSecurity

extension PayLab {
    /// `paylab certify`.
    struct Certify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a certification suite against your host and keep the evidence.",
            discussion: """
                ROLE is the suite: issuer (PayLab plays the scheme and dials your authorization host), \
                acquirer (PayLab plays the terminal and dials your acquirer at --address; its scheme and \
                merchant's bank listen at --scheme-listen and --bank-listen for your acquirer to dial), or \
                pos (PayLab is the POS centre: its acquirer, scheme and banks; your POS application dials \
                --listen, and follows each case's instruction, as printed or as --print-cases --json gives \
                them to a test robot). \
                Load the suite's test cards into your host first (--cards prints them). Each case sends \
                messages and checks every field of each answer against its rules; a failed check names \
                the case, the step, the field, the rule, what was expected and what came. Cases are data: \
                --print-cases prints the built-in suite, --cases runs your own file (docs/certification.md).
                Exit status: 0 when every mandatory and applicable case passed, 1 otherwise, 2 on bad input.
                """
        )

        @Argument(help: "The suite: issuer, acquirer or pos.")
        var role: String

        @Option(help: "HOST:PORT of your host (the acquirer suite: where it listens for terminals).")
        var address: String?

        @Option(help: "The pos suite: HOST:PORT where PayLab's acquirer listens for your POS.")
        var listen: String?

        @Option(name: .customLong("case-timeout"), help: "The pos suite: how long each case waits for your POS's messages (the first: twice as long).")
        var caseTimeout: Duration = .seconds(60)

        @Flag(name: .customLong("cases-json"), help: .hidden)
        var casesJSON = false

        @Option(name: .customLong("scheme-listen"), help: "The acquirer suite: HOST:PORT where PayLab's scheme listens for your acquirer.")
        var schemeListen: String?

        @Option(name: .customLong("bank-listen"), help: "The acquirer suite: HOST:PORT where PayLab's merchant's bank listens for your acquirer's payouts.")
        var bankListen: String?

        @Option(help: "The time zone of the messages' local time (DE12, DE13) and the scheme's clearing date.")
        var timezone = "Asia/Shanghai"

        @Option(help: "mutual (default), server or none.")
        var tls = "mutual"

        @Option(help: "The PEM file of the CA that signed your host's certificate (default: the --pki CA).")
        var ca: String?

        @OptionGroup var certificates: PKIOptions

        @Option(help: "The length header: binary2 (default), bcd2, ascii4 or none.")
        var framing = "binary2"

        @OptionGroup var dialect: DialectOptions

        @Option(help: "Run the cases of this file instead of the built-in suite.")
        var cases: String?

        @Option(parsing: .upToNextOption, help: "Run only these case ids.")
        var only: [String] = []

        @Option(parsing: .upToNextOption, help: "The capabilities your host declares (void, stand_in, partial_approval ...): conditional cases that need them run.")
        var supports: [String] = []

        @Option(help: "How long to wait for the connection and TLS handshake.")
        var timeout: Duration = .seconds(10)

        @Option(help: "The MAC algorithm on the link (x9.19, the default, or x9.9), with --zak.")
        var mac = "x9.19"

        @Option(help: "The zone MAC key (hex): every request but network management is MACed under it, every answer's MAC is checked; the cases that require mac run.")
        var zak: String?

        @Option(help: "The zone PIN key (hex): PIN blocks go under it; the cases that require pin run.")
        var zpk: String?

        @Option(help: "The terminal master key (hex), for the acquirer suite's terminal.")
        var tmk: String?

        @Option(help: "A JSON file with the keys instead: {\"mac\": \"x9.19\", \"zak\": \"...\", \"zpk\": \"...\", \"tmk\": \"...\"}.")
        var keys: String?

        @Option(help: "A 5-byte TPDU in hex before each message (swapped on answers), as a UnionPay POS link carries it.")
        var tpdu: String?

        @Option(help: "Message header bytes in hex between the TPDU and the MTI.")
        var header: String?

        @OptionGroup var reports: CertificationReportOptions

        @Flag(help: "Print the test cards your host must load, as JSON, and stop.")
        var cards = false

        @Flag(name: .customLong("print-cases"), help: "Print the suite's case file, and stop.")
        var printCases = false

        func run() async throws {
            if role == "pos" { return try await runPOS() }
            let suite = try loadSuite()
            if cards {
                print(suite.cardsJSON)
                return
            }
            if printCases {
                print(cases.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? CertificationSuite.builtInText[role] ?? "", terminator: "")
                return
            }
            let target = try makeTarget()
            let credentials: TLSCredentials
            do {
                credentials = TLSCredentials(authority: try certificates.checked().map { try PKI(directory: $0).authority() } ?? CertificateAuthority())
            } catch let status as ExitCode {
                throw status
            } catch {
                printError("error: \(error)")
                throw ExitStatus.invalid
            }
            var run = CertificationRun(suite: suite, target: target, supports: Set(supports), only: only.isEmpty ? nil : Set(only))
            run.keys = try linkKeys()
            let report = await run.run(credentials: credentials)
            print(CertificationReportText.render(report))
            try reports.write(report)
            if report.outcomes.contains(where: \.failed) { throw ExitStatus.failed }
        }

        private func loadSuite() throws -> CertificationSuite {
            if let cases {
                do {
                    return try CertificationSuite.load(path: cases)
                } catch {
                    for diagnostic in error.diagnostics { printError(diagnostic.description) }
                    throw ExitStatus.invalid
                }
            }
            guard let suite = CertificationSuite.builtIn(role) else {
                printError("error: no built-in suite '\(role)' (there is: \(CertificationSuite.builtInText.keys.sorted().joined(separator: ", "))); give --cases FILE for your own")
                throw ExitStatus.invalid
            }
            return suite
        }

        /// The keys of the link: from --keys FILE, or --mac, --zak, --zpk and --tmk.
        func linkKeys() throws -> CertificationRun.Keys {
            var given: [String: String] = ["mac": mac]
            if let keys {
                guard let data = FileManager.default.contents(atPath: keys),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
                    printError("error: --keys \(keys): not a readable JSON object of strings like {\"zak\": \"...\", \"zpk\": \"...\"}")
                    throw ExitStatus.invalid
                }
                given.merge(object) { _, file in file }
            }
            for (name, value) in [("zak", zak), ("zpk", zpk), ("tmk", tmk)] { if let value { given[name] = value } }
            var result = CertificationRun.Keys()
            guard let algorithm = given["mac"].flatMap(MACAlgorithm.init(rawValue:)) else {
                printError("error: --mac takes x9.19, x9.9 or cup-ecb, not '\(given["mac"] ?? "")'")
                throw ExitStatus.invalid
            }
            result.mac = algorithm
            result.zak = try given["zak"].map { try parseKey($0, option: "zak") }
            result.zpk = try given["zpk"].map { try parseKey($0, option: "zpk") }
            result.tmk = try given["tmk"].map { try parseKey($0, option: "tmk") }
            return result
        }

        private func makeTarget() throws -> CertificationRun.Target {
            func invalid(_ message: String) -> ExitCode {
                printError("error: \(message)")
                return ExitStatus.invalid
            }
            guard let address else { throw invalid("--address HOST:PORT is needed (where your host listens)") }
            guard let endpoint = Endpoint(address), endpoint.port > 0 else { throw invalid("--address '\(address)' is not HOST:PORT") }
            guard let security = WireNetwork.ExternalLink.Security(rawValue: tls) else { throw invalid("--tls takes mutual, server or none, not '\(tls)'") }
            guard let length = Framing.Length(rawValue: framing) else { throw invalid("--framing takes binary2, bcd2, ascii4 or none, not '\(framing)'") }
            guard timeout >= .milliseconds(100) else { throw invalid("--timeout takes at least 100ms, not \(timeout.compact)") }
            let chosen = try dialect.resolved()
            if ca == nil, certificates.pki == nil, security != .none { throw invalid("give --ca (the CA of your host's certificate) or --pki, or --tls none") }
            guard let zone = Zone(identifier: timezone) else { throw invalid("--timezone '\(timezone)' is not a known time zone") }
            var target: CertificationRun.Target
            do {
                target = try CertificationRun.Target(
                    host: endpoint.host, port: endpoint.port, security: security, caFile: ca ?? certificates.pki.map { PKI(directory: $0).caPath },
                    framing: Framing(length: length, tpdu: try tpdu.map { text in
                        guard let bytes = Hex.decode(text), bytes.count == 5 else { throw invalid("--tpdu is 5 bytes in hex (\"6000030000\"), not '\(text)'") }
                        return bytes
                    }, header: try header.map { text in
                        guard let bytes = Hex.decode(text), !bytes.isEmpty, bytes.count <= 64 else { throw invalid("--header is hex bytes (\"603100000000\"), not '\(text)'") }
                        return bytes
                    } ?? []), dialect: chosen, timeout: timeout)
            } catch {
                throw invalid("\(error)")
            }
            target.zone = zone
            if role == "acquirer" {
                guard let schemeListen, let scheme = Endpoint(schemeListen), let bankListen, let bank = Endpoint(bankListen) else {
                    throw invalid("the acquirer suite needs --scheme-listen HOST:PORT and --bank-listen HOST:PORT (where your acquirer dials PayLab's scheme and merchant's bank)")
                }
                target.schemeListen = scheme
                target.bankListen = bank
            }
            return target
        }
    }
}

/// The report files of `certify`.
struct CertificationReportOptions: ParsableArguments {
    @Option(help: "Write the JSON report to this file.")
    var json: String?

    @Option(help: "Write a JUnit XML report to this file.")
    var junit: String?

    @Option(help: "Write the one-page HTML summary to this file.")
    var html: String?

    @Option(help: "Write the evidence to this folder: per case the messages (hex and decoded, PANs masked), times and checks; messages.pcap; summary.html.")
    var evidence: String?

    func write(_ report: CertificationRun.Report) throws {
        if let json { try writeReport(CertificationReportText.json(report).rendered(pretty: true) + "\n", to: json) }
        if let junit { try writeReport(CertificationReportText.junit(report), to: junit) }
        if let html { try writeReport(CertificationReportText.summary(report), to: html) }
        if let evidence {
            do {
                try CertificationReportText.writeEvidence(report, to: evidence)
            } catch {
                printError("error: cannot write the evidence to \(evidence): \(error)")
                throw ExitStatus.invalid
            }
        }
    }
}

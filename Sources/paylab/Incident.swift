import ArgumentParser
import Foundation
import RunCore
import ISO8583
import Scenario
import SettlementCalendar
import Incident

extension PayLab {
    /// `paylab incident`.
    struct Incident: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start from a merchant's complaint.",
            subcommands: [Import.self, Ask.self]
        )

        /// `paylab incident import`.
        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "import",
                abstract: "Read an incident's evidence: each transaction's timeline across the hops, and what is odd.",
                discussion: """
                    FILE is a pcap or pcapng of ISO 8583 over TCP, plain or TLS 1.3 with --keylog (TCP streams are reassembled: \
                    segments out of order, retransmissions, several messages in a segment, one message \
                    over several), a hex dump with one message a line, or the JSON lines that \
                    `paylab decode --json` prints. Requests and answers are paired on their connection; \
                    transactions are grouped by terminal and STAN (a reversal or void by the original in \
                    DE90); the notes say what is odd: no answer, an answer after the terminal's timeout, \
                    a reversal, a repeat, a decline and its meaning, a STAN used twice. PANs are masked.
                    Exit status: 0, or 2 when the file cannot be read at all.
                    """
            )

            @Argument(help: "The evidence: a .pcap/.pcapng, a hex dump, or JSON lines.")
            var file: String

            @OptionGroup var dialect: DialectOptions

            @Option(help: "The length header: binary2 (default), bcd2, ascii4 or none.")
            var framing = "binary2"

            @Option(help: "An NSS key log (SSLKEYLOGFILE, PayLab's keys.log) to read TLS 1.3 in the capture.")
            var keylog: String?

            @Option(help: "How long a terminal waits for its answer: a later answer is noted.")
            var timeout: Duration = .seconds(60)

            @Option(help: "The IANA time zone the times are shown in.")
            var timezone = "Asia/Shanghai"

            @Flag(help: "Print {\"transactions\": [...], \"problems\": [...]}.")
            var json = false

            @Option(help: "Write a scenario that reproduces what the evidence shows to this file.")
            var scenario: String?

            @Option(help: "For --scenario: the merchants' settlement terms (default: inferred from the payouts in the evidence, else T+1).")
            var terms: String?

            @Option(help: "For --scenario: cn, us-fed, weekdays, or the path of a calendar file.")
            var calendar = "cn"

            func run() async throws {
                func invalid(_ message: String) -> ExitCode {
                    printError("error: \(message)")
                    return ExitStatus.invalid
                }
                guard let length = Framing.Length(rawValue: framing) else { throw invalid("--framing takes binary2, bcd2, ascii4 or none, not '\(framing)'") }
                guard let zone = Zone(identifier: timezone) else { throw invalid("--timezone '\(timezone)' is not a known time zone") }
                let chosenTerms = try terms.map { text in
                    guard let parsed = SettlementTerms(text) else { throw invalid("--terms takes settlement terms (T+0, T+1, D+0, D+1 ...), not '\(text)'") }
                    return parsed
                }
                var businessCalendar = BusinessCalendar.china
                if scenario != nil {
                    do {
                        businessCalendar = try CalendarFile.resolve(calendar, relativeTo: nil)
                    } catch {
                        throw invalid("--calendar: \(error.description)")
                    }
                }
                let chosen = try dialect.resolved()
                let evidence: IncidentEvidence
                do {
                    evidence = try IncidentEvidence.read(path: file, dialect: chosen, framing: Framing(length: length), timeout: timeout, keyLog: keylog)
                } catch {
                    throw invalid(error.description)
                }
                print(json ? evidence.json(zone: zone).rendered(pretty: true) : evidence.text(zone: zone))
                if let scenario {
                    let name = "incident: " + ((file as NSString).lastPathComponent)
                    let written = evidence.reproduction(name: name, zone: zone, calendar: businessCalendar,
                                                        calendarReference: CalendarFile.reference(calendar, relativeTo: nil), terms: chosenTerms)
                    written.inferences.forEach { print($0) }
                    try writeReport(written.yaml, to: scenario)
                }
            }
        }

        /// `paylab incident ask`.
        struct Ask: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "For a merchant's words, when the money should have arrived, whether it is late, and why.",
                discussion: """
                    "Swiped 23:10 on 29 September, T+1, still nothing on 2 October": \
                      paylab incident ask --swiped "2026-09-29 23:10" --terms T+1 --now "2026-10-02 15:00"
                    prints when the money is due (the cutoff, the settlement terms, the calendar's weekends \
                    and holidays), whether it is late at --now, the causes that fit, and when to stop waiting \
                    and contact the provider or the bank (four working days after the swipe, or the due time \
                    if later), with what to bring. --scenario writes a scenario that shows the expected \
                    timeline, to run and then change to ask "what if".
                    Exit status: 0, or 2 on bad input.
                    """
            )

            @Option(help: "When the card was swiped, local time \"YYYY-MM-DD HH:MM\".")
            var swiped: String

            @Option(help: "The merchant's settlement terms: T+0, T+1 ... or D+0, D+1 ...")
            var terms: String

            @Option(help: "When the merchant looked, local time \"YYYY-MM-DD HH:MM\" (default: not said).")
            var now: String?

            @OptionGroup var settlement: SettlementOptions

            @Option(help: "The terms of an aggregator (二清) the merchant is paid through, from the day it is paid (T+1).")
            var via: String?

            @Option(help: "Write a scenario that shows the expected timeline to this file.")
            var scenario: String?

            @Flag(help: "Print {\"expected\", \"late\", \"escalate_after\", \"causes\", \"clearing_date\", \"reasons\"}.")
            var json = false

            func run() async throws {
                let answer: ComplaintQuery
                do {
                    answer = try ComplaintQuery.answer(
                        swiped: swiped, terms: terms, calendar: settlement.calendar, now: now, cutoff: settlement.cutoff, payoutAt: settlement.payoutAt, timezone: settlement.timezone, via: via)
                } catch {
                    printError("error: \(error)")
                    throw ExitStatus.invalid
                }
                print(json ? answer.json.rendered() : answer.text)
                if let scenario { try writeReport(answer.scenario(), to: scenario) }
            }
        }
    }
}

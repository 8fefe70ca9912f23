import ArgumentParser
import Foundation
import Harness

extension PayLab {
    /// `paylab incident`.
    struct Incident: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start from a merchant's complaint.",
            subcommands: [Ask.self]
        )

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

            @Option(help: "cn, us-fed, weekdays, or the path of a calendar file.")
            var calendar = "cn"

            @Option(help: "The scheme's daily cutoff, HH:MM.")
            var cutoff = "23:00"

            @Option(name: .customLong("payout-at"), help: "The merchant's payout time, HH:MM.")
            var payoutAt = "09:00"

            @Option(help: "The IANA time zone of the times.")
            var timezone = "Asia/Shanghai"

            @Option(help: "Write a scenario that shows the expected timeline to this file.")
            var scenario: String?

            @Flag(help: "Print {\"expected\", \"late\", \"escalate_after\", \"causes\", \"clearing_date\", \"reasons\"}.")
            var json = false

            func run() async throws {
                let answer: ComplaintQuery
                do {
                    answer = try ComplaintQuery.answer(
                        swiped: swiped, terms: terms, calendar: calendar, now: now, cutoff: cutoff, payoutAt: payoutAt, timezone: timezone)
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

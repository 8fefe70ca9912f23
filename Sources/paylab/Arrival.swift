import ArgumentParser
import RunCore

extension PayLab {
    /// `paylab arrival`.
    struct Arrival: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "When does the money of a swipe arrive, and why?",
            discussion: """
                Applies the scheme's cutoff, the settlement terms and the business calendar \
                (weekends, public holidays, makeup working days). With --of refund or \
                --of chargeback: when the card gets the money back, and when the merchant gives \
                it back. Examples:
                  paylab arrival --at "2026-09-29 23:10" --terms T+1 --calendar cn
                  paylab arrival --at "2026-09-30 10:00" --terms T+1 --of refund
                """
        )

        @Option(help: "The local time of the swipe, \"YYYY-MM-DD HH:MM\".")
        var at: String

        @Option(help: "Settlement terms: T+0, T+1, T+2 ... (business days) or D+0, D+1 ... (calendar days).")
        var terms: String

        @OptionGroup var settlement: SettlementOptions

        @Option(help: "What the money is: purchase (to the merchant), refund or chargeback (back to the card).")
        var of = "purchase"

        @Option(help: "The terms of an aggregator (二清) between the acquirer and the merchant, counted from the day it is paid (T+1).")
        var via: String?

        @Flag(help: "Print {\"clearing_date\", \"arrives\", \"reasons\"} as JSON.")
        var json = false

        func run() async throws {
            do {
                guard let kind = ArrivalQuery.Kind(rawValue: of) else {
                    printError("error: --of: '\(of)' is not purchase, refund or chargeback")
                    throw ExitStatus.invalid
                }
                let answer = try ArrivalQuery.answer(at: at, terms: terms, calendar: settlement.calendar, cutoff: settlement.cutoff, payoutAt: settlement.payoutAt, timezone: settlement.timezone, kind: kind, via: via)
                print(json ? answer.json.rendered() : answer.text)
            } catch let problem as ArrivalQuery.Problem {
                printError("error: \(problem)")
                throw ExitStatus.invalid
            }
        }
    }
}

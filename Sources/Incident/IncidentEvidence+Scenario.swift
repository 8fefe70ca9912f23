import Foundation
import ISO8583
public import PaymentNetwork
public import Scenario
public import SettlementCalendar
import RunCore

extension IncidentEvidence {
    /// Which hop of a purchase an exchange crossed: 0 terminal to acquirer, 1 acquirer to
    /// scheme, 2 scheme to issuer, by the order its connection first appears.
    static func hop(of exchange: Exchange, in item: Transaction) -> Int {
        var flows: [String?] = []
        for other in item.exchanges.sorted(by: { ($0.request.time ?? 0) < ($1.request.time ?? 0) }) where !flows.contains(other.request.flow) {
            flows.append(other.request.flow)
        }
        return flows.firstIndex(of: exchange.request.flow) ?? 0
    }

    /// Time windows, overlapping ones as one.
    static func merged(_ windows: [(from: Int64, to: Int64)]) -> [(from: Int64, to: Int64)] {
        var merged: [(from: Int64, to: Int64)] = []
        for window in windows.sorted(by: { $0.from < $1.from }) {
            if let last = merged.last, window.from <= last.to { merged[merged.count - 1].to = max(last.to, window.to) } else { merged.append(window) }
        }
        return merged
    }

    /// The scenario `paylab incident import --scenario` writes: terms and fee inferred from
    /// the payouts the evidence holds unless `terms` is given, with a sentence for each
    /// inference; `yaml` is it written out, with a word on what it is.
    public func reproduction(name: String, zone: Zone, calendar: BusinessCalendar, calendarReference: String, terms: SettlementTerms?) -> (scenario: Scenario, yaml: String, inferences: [String]) {
        var assuming = Assumptions()
        assuming.calendar = calendar
        var inferences: [String] = []
        if let terms { assuming.terms = terms }
        if terms == nil, let inferred = inferredTerms(calendar: calendar, zone: zone), let chosen = SettlementTerms(inferred.terms), let payoutAt = TimeOfDay(inferred.payoutAt) {
            assuming.terms = chosen
            // Merchants paid on other terms (a T+3 wholesaler beside a T+1 shop): each its own.
            let merchants = Set(transactions.compactMap { $0.terminal.hasPrefix("payout") ? nil : $0.exchanges.first?.request.message[DE.merchantID] })
            for merchant in merchants.sorted() {
                if let own = inferredTerms(calendar: calendar, zone: zone, merchant: merchant), own.terms != inferred.terms, let ownTerms = SettlementTerms(own.terms) {
                    assuming.termsByMerchant[merchant] = ownTerms
                    inferences.append("merchant \(merchant): \(own.why)")
                }
            }
            assuming.payoutAt = payoutAt
            inferences.append(inferred.why)
        }
        let schedule = inferredFeeSchedule(zone: zone)
        if schedule.count > 1, let first = Values.rate(schedule[0].rate) {
            assuming.feePartsPerMillion = first
            assuming.feeChanges = schedule.dropFirst().compactMap { entry in
                entry.from.flatMap { from in Values.rate(entry.rate).map { MerchantContract.FeeChange(from: from, partsPerMillion: $0) } }
            }
            inferences.append("fee inferred from the payouts: \(schedule.map { entry in entry.from.map { "\(entry.rate) from \($0)" } ?? entry.rate }.joined(separator: ", then "))")
        } else if let inferred = inferredFee(), let rate = Values.rate(inferred) {
            assuming.feePartsPerMillion = rate
            inferences.append("fee inferred from the payouts: \(inferred)")
        } else if let inferred = inferredFeeCap(rate: 6_000), let cap = Money(decimal: inferred, exponent: 2) {
            assuming.feeCap = cap
            inferences.append("fee inferred from the payouts: capped at \(inferred) a purchase (no rate fits; the rate, 0.6% here, cannot be told)")
        }
        if assuming.feeCap == nil {
            // A merchant whose contract rounds its fee otherwise (half up, as many do): its own rounding.
            let merchants = Set(transactions.compactMap { $0.terminal.hasPrefix("payout") ? nil : $0.exchanges.first?.request.message[DE.merchantID] })
            for merchant in merchants.sorted() {
                guard let rounding = inferredFeeRounding(rate: assuming.feePartsPerMillion, merchant: merchant), rounding != .up else { continue }
                assuming.feeRoundingByMerchant[merchant] = rounding
                inferences.append("merchant \(merchant): its fee rounded \(rounding.rawValue.replacingOccurrences(of: "_", with: " ")), as its payouts show")
            }
        }
        let value = scenario(name: name, zone: zone, calendar: calendar, calendarReference: calendarReference, assuming: assuming)
        var writer = ScenarioWriter()
        writer.header = [
            "Written by paylab incident import from the evidence: what the messages show, to run and",
            "then change to ask \"what if\".",
        ] + inferences.map { "Inferred: \($0)" }
        return (value, writer.yaml(value), inferences)
    }

    /// The fee rate the first payout shows: the roundest rate (tenths of a percent before
    /// hundredths) whose fee
    /// (rounded up to the minor unit, per purchase) turns the approved purchases paid by it
    /// into its amount; nil when the evidence holds no payout or no rate fits.
    public func inferredFee() -> String? {
        inferFromFirstPayout { slice, credited in
            // Round rates first (0.6% before 0.56%): one payout often fits several once fees are rounded.
            let rates = Array(stride(from: 0, through: 1000, by: 10)) + (0...1000).filter { $0 % 10 != 0 }
            return rates.first { basisPoints in
                slice.reduce(Int64(0)) { total, amount in total + amount - (amount * Int64(basisPoints) + 9_999) / 10_000 } == credited
            }.map { String(format: "%d.%02d%%", $0 / 100, $0 % 100) }
        }
    }

    /// The fee schedule the payouts show, in order: each approved payout explained by the
    /// roundest rate that turns some of the purchases approved before it and not yet paid
    /// (one, or the earliest or latest few) into its amount; a change of rate starts at the
    /// clearing date of the first purchase it applies to (cutoff 23:00).
    public func inferredFeeSchedule(zone: Zone, cutoff: TimeOfDay = TimeOfDay(hour: 23, minute: 0)!) -> [(from: LocalDate?, rate: String)] {
        let rates = Array(stride(from: 0, through: 1000, by: 10)) + (0...1000).filter { $0 % 10 != 0 }
        var unpaid: [(approvedAt: Int64, amount: Int64)] = transactions.filter { $0.mti == "0200" && !$0.terminal.hasPrefix("payout") }
            .compactMap { item in item.approvedAt.flatMap { at in item.exchanges.first?.request.message.amount.map { (at, $0.minorUnits) } } }
            .sorted { $0.approvedAt < $1.approvedAt }
        var schedule: [(from: LocalDate?, rate: String)] = []
        let payouts = transactions.filter { $0.terminal.hasPrefix("payout") && $0.response == "00" }.sorted { ($0.requestedAt ?? 0) < ($1.requestedAt ?? 0) }
        for payout in payouts {
            guard let paidAt = payout.requestedAt, let credited = payout.exchanges.first?.request.message.amount?.minorUnits else { continue }
            let due = unpaid.filter { $0.approvedAt <= paidAt }
            guard !due.isEmpty else { continue }
            var slices = due.indices.map { [$0] }
            for count in 2...max(2, due.count) where count <= due.count {
                slices.append(Array(due.indices.prefix(count)))
                slices.append(Array(due.indices.suffix(count)))
            }
            // The rate in force so far first, then the roundest that fits.
            let current = schedule.last.flatMap { entry in rates.first { Self.percent($0) == entry.rate } }
            var found: (slice: [Int], basisPoints: Int)?
            search: for basisPoints in (current.map { [$0] } ?? []) + rates {
                for slice in slices where slice.reduce(Int64(0), { $0 + due[$1].amount - (due[$1].amount * Int64(basisPoints) + 9_999) / 10_000 }) == credited {
                    found = (slice, basisPoints)
                    break search
                }
            }
            guard let found else { return [] }
            let rate = Self.percent(found.basisPoints)
            if schedule.last?.rate != rate {
                let first = zone.local(Instant(milliseconds: due[found.slice[0]].approvedAt / 1000))
                schedule.append((schedule.isEmpty ? nil : (first.time >= cutoff ? first.date.adding(days: 1) : first.date), rate))
            }
            let paid = Set(found.slice.map { due[$0].approvedAt })
            unpaid.removeAll { paid.contains($0.approvedAt) }
        }
        return schedule
    }

    /// How a merchant's fee is rounded, as its first payout shows at `rate` (parts per million):
    /// up (the default) when that explains it, else half up, else down; nil when none does.
    public func inferredFeeRounding(rate: Int64, merchant: String) -> Money.Rounding? {
        inferFromFirstPayout(merchant: merchant) { slice, credited in
            Money.Rounding.allCases.first { rounding in
                slice.reduce(Int64(0)) { $0 + $1 - Money(minorUnits: $1).timesRate(partsPerMillion: rate, rounding: rounding).minorUnits } == credited
            }
        }
    }

    static func percent(_ basisPoints: Int) -> String { String(format: "%d.%02d%%", basisPoints / 100, basisPoints % 100) }

    /// The fee cap the first payout shows when no rate fits: the same fee held back from
    /// each purchase it paid, below what `rate` (parts per million) would take from each.
    public func inferredFeeCap(rate: Int64) -> String? {
        inferFromFirstPayout { slice, credited in
            let held = slice.reduce(0, +) - credited
            guard held > 0, held % Int64(slice.count) == 0 else { return nil }
            let cap = held / Int64(slice.count)
            return slice.allSatisfy({ ($0 * rate + 999_999) / 1_000_000 >= cap }) ? Money(minorUnits: cap).formatted(exponent: 2) : nil
        }
    }

    /// The first answer `fit` gives for the purchases the first approved payout paid (one of
    /// them, or the earliest or latest few) and the amount it credited.
    private func inferFromFirstPayout<Found>(merchant: String? = nil, _ fit: ([Int64], Int64) -> Found?) -> Found? {
        func ofMerchant(_ item: Transaction) -> Bool { merchant == nil || item.exchanges.first?.request.message[DE.merchantID] == merchant }
        guard let payout = transactions.first(where: { $0.terminal.hasPrefix("payout") && $0.response == "00" && ofMerchant($0) }),
              let paidAt = payout.requestedAt, let credited = payout.exchanges.first?.request.message.amount else { return nil }
        let paid = transactions.filter { $0.isPaidOut && ($0.approvedAt ?? .max) <= paidAt && ofMerchant($0) }
            .compactMap { $0.exchanges.first?.request.message.amount?.minorUnits }
        guard !paid.isEmpty else { return nil }
        // The purchases this payout paid: one of them, or the earliest or latest few, whose net adds up to it.
        var candidates = paid.map { [$0] }
        for count in 2...max(2, paid.count) where count <= paid.count {
            candidates.append(Array(paid.prefix(count)))
            candidates.append(Array(paid.suffix(count)))
        }
        for slice in candidates {
            if let found = fit(slice, credited.minorUnits) { return found }
        }
        return nil
    }

    /// The settlement terms the evidence's payouts show: the first approved purchase's clearing
    /// date (its local date, or the next day after the cutoff) against the day the first payout
    /// credit after it was sent, counted in business days; nil when the evidence holds no payout.
    public func inferredTerms(calendar: BusinessCalendar, zone: Zone, cutoff: TimeOfDay = TimeOfDay(hour: 23, minute: 0)!, merchant: String? = nil) -> (terms: String, payoutAt: String, why: String)? {
        func ofMerchant(_ item: Transaction) -> Bool { merchant == nil || item.exchanges.first?.request.message[DE.merchantID] == merchant }
        guard let swipedAt = transactions.lazy.filter({ $0.isPaidOut && ofMerchant($0) }).compactMap(\.approvedAt).first,
              let payout = transactions.first(where: { $0.terminal.hasPrefix("payout") && ($0.requestedAt ?? 0) >= swipedAt && ofMerchant($0) }),
              let paidAt = payout.requestedAt else { return nil }
        let swiped = zone.local(Instant(milliseconds: swipedAt / 1000))
        let paid = zone.local(Instant(milliseconds: paidAt / 1000))
        let clearing = swiped.time >= cutoff ? swiped.date.adding(days: 1) : swiped.date
        let days = Self.businessDays(after: clearing, until: paid.date, calendar: calendar)
        // Paid at once (within a minute of the swipe): T+0, and the payout time is not shown.
        let instant = paid.date == swiped.date && paid.time <= swiped.time.advanced(minutes: 1)
        let payoutAt = instant ? "09:00" : String(format: "%02d:%02d", paid.time.hour, paid.time.minute)
        // Paid on a day that is no business day: calendar days (D+n).
        let calendarDays = paid.date.daysSinceEpoch - clearing.daysSinceEpoch
        let terms = (try? calendar.isBusinessDay(paid.date)) == false ? "D+\(calendarDays)" : instant ? "T+0" : "T+\(days)"
        return (terms, payoutAt, "terms inferred from the payouts: \(terms), paid at \(payoutAt) (a purchase at \(swiped.date) \(swiped.time) cleared on \(clearing), its first payout sent \(paid.date) \(paid.time))\(days > 3 && !instant ? "; a payout held by risk control (shorter terms and a hold) shows the same" : "")")
    }
}

extension IncidentEvidence {
    /// The business days after `start` up to `end` (at most 30; a day the calendar does not cover is not one).
    static func businessDays(after start: LocalDate, until end: LocalDate, calendar: BusinessCalendar?) -> Int {
        var days = 0
        var day = start
        while day < end, days < 30 {
            day = day.adding(days: 1)
            if let calendar { if (try? calendar.isBusinessDay(day)) == true { days += 1 } } else { days += 1 }
        }
        return days
    }
}

private extension TimeOfDay {
    func advanced(minutes: Int) -> TimeOfDay {
        let total = min(hour * 60 + minute + minutes, 23 * 60 + 59)
        return TimeOfDay(hour: total / 60, minute: total % 60)!
    }
}

extension IncidentEvidence {
    /// What a reproduction assumes where the evidence does not say: the merchants' terms, payout
    /// time and fee (a rate, or a schedule of rates by clearing date, and a cap).
    public struct Assumptions: Sendable {
        public var terms = SettlementTerms(basis: .businessDays, days: 1)
        public var termsByMerchant: [String: SettlementTerms] = [:]
        public var payoutAt = TimeOfDay(hour: 9, minute: 0)!
        /// Millionths (0.6% is 6000): the rate before any change.
        public var feePartsPerMillion: Int64 = 6000
        public var feeChanges: [MerchantContract.FeeChange] = []
        public var feeCap: Money?
        /// Merchants whose fee is rounded other than up.
        public var feeRoundingByMerchant: [String: Money.Rounding] = [:]
        /// The calendar business days are counted in (an aggregator's terms).
        public var calendar: BusinessCalendar?
        public init() {}
    }

    /// A scenario that reproduces what the evidence shows: the network it implies (terminals
    /// and merchants from DE41 and DE42, cards and their BINs from DE2, the acquirer's id from
    /// DE32), each purchase at its recorded time and amount, the cards' state that explains
    /// each decline, a dropped answer where the evidence has none on a hop, and expectations
    /// that pin each recorded answer. Hops are named by their order in a purchase: terminal to
    /// acquirer, acquirer to scheme, scheme to issuer.
    public func scenario(name: String, zone: Zone, calendar: BusinessCalendar, calendarReference: String, assuming: Assumptions = .init()) -> Scenario {
        var draft = Reproduction(evidence: self, zone: zone, assuming: assuming)
        draft.network()
        draft.pins()
        draft.chips()
        draft.cardFaults()
        draft.hopFaults()
        draft.keyFaults()
        draft.chipFaults()
        draft.bankFaults()
        draft.swipes()
        draft.followUps()
        draft.terminalSteps()
        let first = draft.purchases.first?.requestedAt ?? 0
        return Scenario(
            file: "incident.yaml", name: name,
            description: "Reproduces \(draft.purchases.count) purchase\(draft.purchases.count == 1 ? "" : "s") from the evidence, with the answers recorded.\n",
            tags: ["incident"], seed: 1, zone: zone, currency: Currency.known["CNY"]!, calendar: calendar, calendarReference: calendarReference,
            start: draft.at(first - 60_000_000), horizon: .seconds(30 * 86400), network: draft.spec, faults: draft.faults,
            steps: draft.orderedSteps(), expectations: draft.expectations)
    }
}

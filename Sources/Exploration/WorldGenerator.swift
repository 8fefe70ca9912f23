import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// Draws a random world from a seed: the same seed gives the same world. It leans towards
/// the places where money goes wrong: swipes seconds around the cutoff, start dates on
/// the eve of holidays, fault windows around the steps, amounts whose fee does not round evenly.
/// A world is a ``Scenario`` value: run as it is, cut down by the ``Shrinker``, written by
/// `ScenarioWriter` when it is worth keeping.
enum WorldGenerator {
    /// The world of a run seed; with `base`, its network (names, merchants, cards, calendar,
    /// cutoff, stand-in) is kept and only the steps and faults are drawn.
    static func world(seed: UInt64, base: Scenario? = nil) -> Scenario {
        var random = SeededGenerator(seed: seed, stream: "explore")
        func below(_ bound: Int) -> Int { Int(random.next(upperBound: UInt64(bound))) }
        func chance(_ percent: Int) -> Bool { below(100) < percent }
        func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

        let calendarName = base?.calendar.name ?? pick(["cn", "cn", "us-fed", "weekdays"])
        let calendar = base?.calendar ?? BusinessCalendar.builtIn(calendarName)!
        let zone = base?.zone ?? Zone(identifier: "Asia/Shanghai")!
        let day = startDay(calendar: calendar, base: base, below: below, chance: chance)
        let cutoff = base?.network.scheme.cutoff ?? pick([TimeOfDay(hour: 23, minute: 0)!, TimeOfDay(hour: 23, minute: 0)!, TimeOfDay(hour: 22, minute: 0)!, TimeOfDay(hour: 21, minute: 30)!])

        // Banks: ICBC issues, sometimes ABC too; merchants bank at CMB, or at an issuer.
        let secondIssuer = chance(40)
        let issuerBins: [(String, String)] = [("ICBC", "622202")] + (secondIssuer ? [("ABC", "622848")] : [])
        let template = NetworkSpec.defaults().merchants[0]
        var merchants: [MerchantContract] = []
        for index in 0..<(1 + below(2)) {
            var merchant = template
            merchant.id = index == 0 ? "898440354110001" : pick(["898440354110002", "ACME SHOP 00002"])
            merchant.terminals = ["T000000\(index + 1)"]
            merchant.terms = SettlementTerms(pick(["T+0", "T+1", "T+1", "T+2", "D+0", "D+1", "D+3"]))!
            merchant.feePartsPerMillion = pick([0, 3800, 6000, 6000, 5500, 12345])
            merchant.feeCap = chance(25) ? Money(minorUnits: 2000) : nil
            merchant.payoutAt = pick([TimeOfDay(hour: 9, minute: 0)!, TimeOfDay(hour: 10, minute: 30)!, TimeOfDay(hour: 0, minute: 30)!])
            merchant.accountNumber = "621483000000000\(index + 1)"
            merchant.accountBank = chance(30) ? "ICBC" : "CMB"
            merchants.append(merchant)
        }
        if let base {
            // The base's merchants as contracts, each with its first terminal (the one the steps use).
            merchants = base.network.merchants.map { merchant in
                var kept = template
                kept.id = merchant.id
                kept.terminals = [merchant.terminals[0]]
                kept.terms = merchant.terms
                kept.feePartsPerMillion = merchant.feePartsPerMillion
                kept.feeCap = merchant.feeCap
                kept.payoutAt = merchant.payoutAt
                kept.accountNumber = merchant.accountNumber
                kept.accountBank = merchant.accountBank
                return kept
            }
        }
        var cards: [NetworkSpec.Card] = []
        for index in 0..<(1 + below(2)) {
            let status: AccountStatus = chance(80) ? .active : pick([.frozen, .lost, .expired])
            let issuer = pick(issuerBins)
            cards.append(NetworkSpec.Card(
                pan: "\(issuer.1)000000000\(index + 1)", bank: issuer.0,
                balance: Money(minorUnits: pick([10_000, 100_000, 5_000_000])),
                expiry: chance(90) ? CardRules.defaultExpiry : twoDigits(day.year % 100) + "01",
                status: status,
                dailyLimit: chance(20) ? Money(minorUnits: 30_000) : nil))
            // A credit card spends a line of credit (what it owes starts at zero); the scheme stands in only for these.
            if chance(40) {
                cards[index].type = .credit
                cards[index].creditLimit = cards[index].balance
                cards[index].balance = .zero
            }
        }
        if let base {
            cards = base.network.cards
        }
        var network = NetworkSpec(banks: [], merchants: merchants, cards: cards, accounts: [])
        network.scheme.name = base?.network.scheme.name ?? "UnionPay"
        network.scheme.cutoff = cutoff
        network.acquirer.name = base?.network.acquirer.name ?? "Leshua"
        network.banks = base?.network.banks.map { NetworkSpec.Bank(name: $0.name, bins: $0.bins) }
            ?? issuerBins.map { NetworkSpec.Bank(name: $0.0, bins: [$0.1]) } + [NetworkSpec.Bank(name: "CMB", bins: [])]

        // Sometimes the last merchant is a sub-merchant of an aggregator (二清), which may default.
        let aggregated = base.map { !$0.network.via.isEmpty } ?? chance(15)
        if let base { network.via = base.network.via } else if aggregated, let last = merchants.last {
            network.via[last.id] = NetworkSpec.Via(aggregator: "QuickPay", accountBank: "CMB", accountNumber: "6214830000009999",
                                                   pays: SettlementTerms(pick(["T+0", "T+1", "D+1", "T+2"]))!)
        }
        let steps = drawSteps(day: day, cutoff: cutoff, network: network, zone: zone, below: below, chance: chance)
        let first = steps.first.map { zone.local($0.at) } ?? LocalDateTime(date: day, time: cutoff)
        var faults = drawFaults(around: first, network: network, zone: zone, below: below)
        if base == nil, aggregated, chance(30) {
            faults.append(Fault(kind: .aggregatorDefault(aggregator: "QuickPay"), from: zone.instant(first).advanced(by: .seconds(Int64(below(4 * 86_400)))), to: nil))
            faults.sort { $0.from < $1.from }
        }
        network.scheme.standInLimit = base.map { $0.network.scheme.standInLimit } ?? (chance(25) ? Money(minorUnits: 50_000) : nil)
        drawPriceList(into: &network, base: base, below: below)
        let startDate = min(day, steps.first.map { zone.local($0.at).date } ?? day)
        return Scenario(
            file: "world-\(seed).yaml", name: "explored world \(seed)", description: "World \(seed) of paylab explore.", tags: ["explore"],
            seed: seed, zone: zone, currency: base?.currency ?? Currency.known["CNY"]!, calendar: calendar, calendarReference: calendarName,
            start: zone.instant(LocalDateTime(date: startDate, time: TimeOfDay(hour: 0, minute: 0)!)), horizon: .seconds(30 * 86400),
            network: network, faults: faults, steps: steps, expectations: [])
    }

    /// The scheme's price list: mostly the 2016 fees, sometimes with a rate for the first
    /// merchant's MCC (an exempt or a dearer category, checked or not against the registered
    /// MCC), sometimes none; a base world's as it is.
    private static func drawPriceList(into network: inout NetworkSpec, base: Scenario?, below: (Int) -> Int) {
        func chance(_ percent: Int) -> Bool { below(100) < percent }
        func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        let merchants = network.merchants
        if let base {
            network.scheme.fees = base.network.scheme.fees
            network.scheme.interchange = base.network.scheme.interchange
            network.scheme.mccCheck = base.network.scheme.mccCheck
        } else if chance(10) {
            network.scheme.fees = .none
        } else if chance(25) {
            // The first merchant's provider sends it as a hospital (MCC 8062, exempt) or not.
            if chance(50) { network.acquirer.mccOverride[merchants[0].id] = "8062" }
            network.scheme.interchange = ["8062": 0, merchants[0].mcc: pick([3_500, 12_500])]
            network.scheme.mccCheck = chance(50)
        }
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// A day just before a holiday, or any day of the calendar's years (not too late in the last one).
    private static func startDay(calendar: BusinessCalendar, base: Scenario?, below: (Int) -> Int, chance: (Int) -> Bool) -> LocalDate {
        let years = calendar.years ?? 2026...2026
        let eves = calendar.holidays.keys.filter { !calendar.holidays.keys.contains($0.adding(days: -1)) }.sorted()
            .map { $0.adding(days: -1 - below(3)) }
            .filter { years.contains($0.year) && $0 <= LocalDate(year: years.upperBound, month: 11, day: 30)! }
        if let base { return base.zone.local(base.start).date.adding(days: below(3)) }
        if !eves.isEmpty, chance(60) { return eves[below(eves.count)] }
        let first = LocalDate(year: years.lowerBound, month: 1, day: 2)!
        let last = LocalDate(year: years.upperBound, month: 11, day: 30)!
        return first.adding(days: below(last.daysSinceEpoch - first.daysSinceEpoch))
    }

    /// Steps on the start day and the next, often seconds around the cutoff: swipes, voids and repeats.
    private static func drawSteps(day: LocalDate, cutoff: TimeOfDay, network: NetworkSpec, zone: Zone, below: (Int) -> Int, chance: (Int) -> Bool) -> [Step] {
        var times: [LocalDateTime] = []
        for _ in 0..<(1 + below(5)) {
            let date = day.adding(days: below(2))
            let seconds: Int
            switch below(10) {
            case 0...3: seconds = cutoff.secondsSinceMidnight - 120 + below(180)
            case 4: seconds = below(8 * 3600)
            default: seconds = 8 * 3600 + below(max(1, cutoff.secondsSinceMidnight - 8 * 3600))
            }
            times.append(LocalDateTime(secondsSinceEpoch: date.daysSinceEpoch * 86400 + seconds))
        }
        times.sort()
        var steps: [Step] = []
        var swipes: [(id: String, terminal: String)] = []
        for (index, at) in times.enumerated() {
            let action: Step.Action
            if !swipes.isEmpty, chance(15) {
                let original = swipes[below(swipes.count)]
                action = .void(id: original.id, terminal: original.terminal)
            } else if !swipes.isEmpty, chance(12) {
                let original = swipes[below(swipes.count)]
                action = .repeatSwipe(id: "again\(index)", terminal: original.terminal, of: original.id)
            } else {
                let amount = Money(minorUnits: [1, 123, 9_999, 10_000, 29_999, 60_000, Int64(1 + below(50_000))][below(7)])
                let id = "buy\(index)"
                let terminal = network.merchants[below(network.merchants.count)].terminals[0]
                let card = network.cards[below(network.cards.count)].pan
                swipes.append((id, terminal))
                action = .swipe(id: id, terminal: terminal, card: card, amount: amount, keyed: chance(10) ? Money(minorUnits: amount.minorUnits * 10) : nil)
            }
            steps.append(Step(at: zone.instant(at), action: action, line: 0))
        }
        return steps
    }

    /// Faults in windows around the first step, sometimes across the cutoff or for days.
    private static func drawFaults(around first: LocalDateTime, network: NetworkSpec, zone: Zone, below: (Int) -> Int) -> [Fault] {
        func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        let acquirer = network.acquirer.name, scheme = network.scheme.name
        let issuers = network.banks.filter { !$0.bins.isEmpty }.map(\.name)
        let links = network.merchants.map { ($0.terminals[0], acquirer) } + [(acquirer, scheme)]
            + issuers.map { (scheme, $0) } + Set(network.merchants.map { network.payee(of: $0).node }).sorted().map { (acquirer, $0) }
            + network.merchants.compactMap { merchant in network.via[merchant.id].map { ($0.aggregator, merchant.accountBank) } }
        var faults: [Fault] = []
        for _ in 0..<below(4) {
            let from = LocalDateTime(secondsSinceEpoch: first.secondsSinceEpoch - 600 + below(1800))
            let length = pick([30, 90, 600, 3600, 4 * 3600, 36 * 3600])
            let to = LocalDateTime(secondsSinceEpoch: from.secondsSinceEpoch + length)
            let kind: Fault.Kind
            switch below(7) {
            case 0: kind = .maintenance(bank: pick(network.banks.map(\.name)))
            case 1: kind = .outage(node: pick([acquirer, scheme] + network.banks.map(\.name)))
            case 2:
                let account = pick(network.cards.map(\.pan) + network.merchants.map(\.accountNumber))
                kind = .freeze(account: account, bank: network.bank(ofAccount: account)!)
            case 3: kind = .hold(merchant: pick(network.merchants).id)
            default:
                let kinds: [(Fault.LinkFaultKind, counted: Bool)] = [
                    (.latency(.seconds(pick([5, 25, 50, 70]))), false), (.drop(response: false), true), (.drop(response: true), true),
                    (.duplicate(response: false), true), (.duplicate(response: true), true), (.corrupt(response: false), true),
                    (.corrupt(response: true), true), (.disconnect, false),
                ]
                // The draws in the order they always were (the delay, the kind, the link, the count): the same seed, the same world.
                let index = below(kinds.count)
                let link = pick(links)
                let count = kinds[index].counted && below(100) < 60 ? 1 + below(2) : nil
                kind = .network(client: link.0, server: link.1, kind: kinds[index].0, count: count)
            }
            faults.append(Fault(kind: kind, from: zone.instant(from), to: zone.instant(to), line: 0))
        }
        return faults.sorted { $0.from < $1.from }
    }
}

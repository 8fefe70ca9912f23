import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// Draws a random world from a seed: the same seed gives the same world. It leans towards
/// the places where money goes wrong: swipes seconds around the cutoff, start dates on
/// the eve of holidays, fault windows around the steps, amounts whose fee does not round evenly.
enum WorldGenerator {
    static func world(seed: UInt64, base: Scenario? = nil) -> World {
        var random = SeededGenerator(seed: seed, stream: "explore")
        func below(_ bound: Int) -> Int { Int(random.next(upperBound: UInt64(bound))) }
        func chance(_ percent: Int) -> Bool { below(100) < percent }
        func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

        let calendarName = base?.calendar.name ?? pick(["cn", "cn", "us-fed", "weekdays"])
        let calendar = base?.calendar ?? BusinessCalendar.builtIn(calendarName)!
        let years = calendar.years ?? 2026...2026
        // A day just before a holiday, or any day of the covered years (not too late in the last one).
        var day: LocalDate
        let eves = calendar.holidays.keys.filter { !calendar.holidays.keys.contains($0.adding(days: -1)) }.sorted()
            .map { $0.adding(days: -1 - Int(random.next(upperBound: UInt64(3)))) }
            .filter { years.contains($0.year) && $0 <= LocalDate(year: years.upperBound, month: 11, day: 30)! }
        if let base {
            day = base.zone.local(base.start).date.adding(days: below(3))
        } else if !eves.isEmpty, chance(60) {
            day = pick(eves)
        } else {
            let first = LocalDate(year: years.lowerBound, month: 1, day: 2)!
            let last = LocalDate(year: years.upperBound, month: 11, day: 30)!
            day = first.adding(days: below(last.daysSinceEpoch - first.daysSinceEpoch))
        }
        let cutoff = base?.network.scheme.cutoff ?? pick([TimeOfDay(hour: 23, minute: 0)!, TimeOfDay(hour: 23, minute: 0)!, TimeOfDay(hour: 22, minute: 0)!, TimeOfDay(hour: 21, minute: 30)!])

        // Banks: ICBC issues, sometimes ABC too; merchants bank at CMB, or at an issuer.
        let secondIssuer = chance(40)
        let issuerBins: [(String, String)] = [("ICBC", "622202")] + (secondIssuer ? [("ABC", "622848")] : [])
        var merchants: [World.Merchant] = []
        for index in 0..<(1 + below(2)) {
            merchants.append(World.Merchant(
                id: index == 0 ? "898440354110001" : pick(["898440354110002", "ACME SHOP 00002"]),
                terminal: "T000000\(index + 1)",
                terms: pick(["T+0", "T+1", "T+1", "T+2", "D+0", "D+1", "D+3"]),
                feePartsPerMillion: pick([0, 3800, 6000, 6000, 5500, 12345]),
                feeCap: chance(25) ? Money(minorUnits: 2000) : nil,
                payoutAt: pick([TimeOfDay(hour: 9, minute: 0)!, TimeOfDay(hour: 10, minute: 30)!, TimeOfDay(hour: 0, minute: 30)!]),
                account: "621483000000000\(index + 1)", accountBank: chance(30) ? "ICBC" : "CMB"))
        }
        if let base {
            merchants = base.network.merchants.map { merchant in
                World.Merchant(id: merchant.id, terminal: merchant.terminals[0], terms: merchant.terms.description,
                               feePartsPerMillion: merchant.feePartsPerMillion, feeCap: merchant.feeCap, payoutAt: merchant.payoutAt,
                               account: merchant.accountNumber, accountBank: merchant.accountBank)
            }
        }
        var cards: [World.Card] = []
        for index in 0..<(1 + below(2)) {
            let status: AccountStatus = chance(80) ? .active : pick([.frozen, .lost, .expired])
            let issuer = pick(issuerBins)
            cards.append(World.Card(
                pan: "\(issuer.1)000000000\(index + 1)", bank: issuer.0,
                balance: Money(minorUnits: pick([10_000, 100_000, 5_000_000])),
                expiry: chance(90) ? CardRules.defaultExpiry : String(format2(day.year % 100)) + "01",
                status: status,
                dailyLimit: chance(20) ? Money(minorUnits: 30_000) : nil))
        }
        if let base {
            cards = base.network.cards.map { card in
                World.Card(pan: card.pan, bank: card.bank, balance: card.balance, expiry: card.expiry, status: card.status, dailyLimit: card.dailyLimit)
            }
        }
        let scheme = base?.network.scheme.name ?? "UnionPay"
        let acquirer = base?.network.acquirer.name ?? "Leshua"
        let banks = base?.network.banks.map { World.Bank(name: $0.name, bins: $0.bins) }
            ?? issuerBins.map { World.Bank(name: $0.0, bins: [$0.1]) } + [World.Bank(name: "CMB", bins: [])]

        // Steps: on the start day and the next, often seconds around the cutoff.
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
        var steps: [World.Step] = []
        var swipes: [String] = []
        for (index, at) in times.enumerated() {
            if !swipes.isEmpty, chance(15) {
                steps.append(World.Step(at: at, action: .void(of: pick(swipes))))
            } else if !swipes.isEmpty, chance(12) {
                steps.append(World.Step(at: at, action: .again(id: "again\(index)", of: pick(swipes))))
            } else {
                let amount = Money(minorUnits: pick([1, 123, 9_999, 10_000, 29_999, 60_000, Int64(1 + below(50_000))]))
                let id = "buy\(index)"
                swipes.append(id)
                steps.append(World.Step(at: at, action: .swipe(
                    id: id, merchant: below(merchants.count), card: below(cards.count), amount: amount,
                    keyed: chance(10) ? Money(minorUnits: amount.minorUnits * 10) : nil)))
            }
        }

        // Faults: windows around the steps, sometimes across the cutoff or for days.
        let first = steps.first?.at ?? LocalDateTime(date: day, time: cutoff)
        var faults: [World.Fault] = []
        let issuers = banks.filter { !$0.bins.isEmpty }.map(\.name)
        let links = merchants.map { "\($0.terminal) -> \(acquirer)" } + ["\(acquirer) -> \(scheme)"]
            + issuers.map { "\(scheme) -> \($0)" } + Set(merchants.map(\.accountBank)).sorted().map { "\(acquirer) -> \($0)" }
        for _ in 0..<below(4) {
            let from = LocalDateTime(secondsSinceEpoch: first.secondsSinceEpoch - 600 + below(1800))
            let length = pick([30, 90, 600, 3600, 4 * 3600, 36 * 3600])
            let to = LocalDateTime(secondsSinceEpoch: from.secondsSinceEpoch + length)
            var lines: [String]
            switch below(7) {
            case 0: lines = ["maintenance: \(pick(banks.map(\.name)))"]
            case 1: lines = ["outage: \(pick([acquirer, scheme] + banks.map(\.name)))"]
            case 2: lines = ["freeze: \"\(pick(cards.map(\.pan) + merchants.map(\.account)))\""]
            case 3: lines = ["hold: \"\(pick(merchants).id)\""]
            default:
                let kind = pick(["latency: \(pick(["5s", "25s", "50s", "70s"]))", "drop: request", "drop: response", "duplicate: request",
                                 "duplicate: response", "corrupt: request", "corrupt: response", "disconnect: true"])
                lines = ["network: \(pick(links))", kind]
                if !kind.hasPrefix("latency"), !kind.hasPrefix("disconnect"), chance(60) { lines.append("count: \(1 + below(2))") }
            }
            faults.append(World.Fault(lines: lines, from: from, to: to))
        }
        let startDate = min(day, steps.first?.at.date ?? day)
        return World(
            seed: seed, timezone: base?.zone.identifier ?? "Asia/Shanghai", currency: base?.currency.code ?? "CNY",
            scheme: scheme, acquirer: acquirer, banks: banks, calendar: calendarName, start: LocalDateTime(date: startDate, time: TimeOfDay(hour: 0, minute: 0)!),
            cutoff: cutoff, standInLimit: base.map { $0.network.scheme.standInLimit } ?? (chance(25) ? Money(minorUnits: 50_000) : nil),
            merchants: merchants, cards: cards, faults: faults.sorted { $0.from < $1.from }, steps: steps)
    }

    private static func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

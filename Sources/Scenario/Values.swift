import Foundation
import PaymentNetwork
public import SettlementCalendar

/// Parsers for the value syntax of the scenario language (docs/scenario-language.md, "Top-level keys").
public enum Values {
    /// `500ms`, `45s`, `10m`, `2h`, `3d`, `3 days`.
    public static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let number = Int64(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        switch unit {
        case "ms": return .milliseconds(number)
        case "s", "sec", "second", "seconds": return .seconds(number)
        case "m", "min", "minute", "minutes": return .seconds(number * 60)
        case "h", "hour", "hours": return .seconds(number * 3600)
        case "d", "day", "days": return .seconds(number * 86400)
        default: return nil
        }
    }

    /// A local date-time in the zone, or an ISO 8601 time with an offset.
    public static func instant(_ text: String, zone: Zone) -> Instant? {
        if let local = LocalDateTime(text) { return zone.instant(local) }
        return Zone.parseISO8601(text)
    }

    /// `0.6%` as millionths (6000).
    public static func rate(_ text: String) -> Int64? {
        guard text.hasSuffix("%") else { return nil }
        guard let money = Money(decimal: String(text.dropLast()).trimmingCharacters(in: .whitespaces), exponent: 4),
              money >= .zero, money.minorUnits <= 1_000_000 else { return nil }
        return money.minorUnits
    }

    /// How an instant is shown to people: local `YYYY-MM-DD HH:MM`, seconds when not zero.
    public static func show(_ instant: Instant, _ zone: Zone) -> String {
        zone.local(instant).description
    }
}

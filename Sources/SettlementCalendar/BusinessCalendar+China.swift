extension BusinessCalendar {
    /// Mainland China: public holidays and makeup working days (调休) for 2024 to 2026,
    /// as the State Council's General Office announced them each year.
    ///
    /// Sources: 国务院办公厅关于2024年部分节假日安排的通知 (2023-10-25, 国办发明电〔2023〕7号),
    /// 关于2025年部分节假日安排的通知 (2024-11-12, 国办发明电〔2024〕12号),
    /// 关于2026年部分节假日安排的通知 (2025-11-04). Each holiday is the whole span the
    /// notice gives as 放假 (weekend days inside it included); each working day is a
    /// weekend day the notice says is 上班.
    public static let china: BusinessCalendar = {
        let notices: [(holidays: [(String, String, String)], working: [(String, String)])] = [
            // 2024
            (holidays: [
                ("New Year's Day", "2024-01-01", "2024-01-01"),
                ("Spring Festival", "2024-02-10", "2024-02-17"),
                ("Qingming Festival", "2024-04-04", "2024-04-06"),
                ("Labour Day", "2024-05-01", "2024-05-05"),
                ("Dragon Boat Festival", "2024-06-10", "2024-06-10"),
                ("Mid-Autumn Festival", "2024-09-15", "2024-09-17"),
                ("National Day", "2024-10-01", "2024-10-07"),
            ], working: [
                ("2024-02-04", "Spring Festival"), ("2024-02-18", "Spring Festival"),
                ("2024-04-07", "Qingming Festival"),
                ("2024-04-28", "Labour Day"), ("2024-05-11", "Labour Day"),
                ("2024-09-14", "Mid-Autumn Festival"),
                ("2024-09-29", "National Day"), ("2024-10-12", "National Day"),
            ]),
            // 2025
            (holidays: [
                ("New Year's Day", "2025-01-01", "2025-01-01"),
                ("Spring Festival", "2025-01-28", "2025-02-04"),
                ("Qingming Festival", "2025-04-04", "2025-04-06"),
                ("Labour Day", "2025-05-01", "2025-05-05"),
                ("Dragon Boat Festival", "2025-05-31", "2025-06-02"),
                ("National Day and Mid-Autumn Festival", "2025-10-01", "2025-10-08"),
            ], working: [
                ("2025-01-26", "Spring Festival"), ("2025-02-08", "Spring Festival"),
                ("2025-04-27", "Labour Day"),
                ("2025-09-28", "National Day"), ("2025-10-11", "National Day"),
            ]),
            // 2026
            (holidays: [
                ("New Year's Day", "2026-01-01", "2026-01-03"),
                ("Spring Festival", "2026-02-15", "2026-02-23"),
                ("Qingming Festival", "2026-04-04", "2026-04-06"),
                ("Labour Day", "2026-05-01", "2026-05-05"),
                ("Dragon Boat Festival", "2026-06-19", "2026-06-21"),
                ("Mid-Autumn Festival", "2026-09-25", "2026-09-27"),
                ("National Day", "2026-10-01", "2026-10-07"),
            ], working: [
                ("2026-01-04", "New Year's Day"),
                ("2026-02-14", "Spring Festival"), ("2026-02-28", "Spring Festival"),
                ("2026-05-09", "Labour Day"),
                ("2026-09-20", "National Day"), ("2026-10-10", "National Day"),
            ]),
        ]
        var holidays: [LocalDate: String] = [:]
        var working: [LocalDate: String] = [:]
        for notice in notices {
            for (name, first, last) in notice.holidays {
                var day = LocalDate(first)!
                while day <= LocalDate(last)! {
                    holidays[day] = name
                    day = day.adding(days: 1)
                }
            }
            for (date, name) in notice.working { working[LocalDate(date)!] = "makeup working day for \(name)" }
        }
        return BusinessCalendar(name: "cn", years: 2024...2026, holidays: holidays, workingDays: working)
    }()
}

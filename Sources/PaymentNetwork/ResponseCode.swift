/// The DE39 response codes of SCENARIOS.md.
public enum ResponseCode {
    /// What a response code means, in a few words.
    public static func meaning(_ code: String) -> String {
        switch code {
        case "00": return "approved"
        case "05": return "do not honor"
        case "12": return "invalid transaction"
        case "13": return "invalid amount"
        case "14": return "invalid card number"
        case "25": return "original not found"
        case "30": return "format error"
        case "51": return "insufficient funds"
        case "54": return "expired card"
        case "61": return "over the daily limit"
        case "62": return "restricted card"
        case "91": return "issuer or switch inoperative"
        case "94": return "duplicate transmission"
        case "96": return "system malfunction"
        default: return "unknown code"
        }
    }
}

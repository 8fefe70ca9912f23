import Testing
import ISO8583

@Suite("MTI")
struct MTITests {
    @Test("MTIs answer for themselves: the response, the repeat, the class")
    func mti() {
        #expect(MTI("0200").response == "0210")
        #expect(MTI("0420").response == "0430")
        #expect(MTI("0400").repeated == "0401")
        #expect(MTI("0421").original == "0420")
        #expect(MTI("0410").isResponse && !MTI("0400").isResponse)
        #expect(MTI("0420").messageClass == .reversal)
        #expect(MTI("02x0").messageClass == .financial && !MTI("02x0").isResponse)
    }
}
